"""Intent phrase tables for the rule-based NLU, one regex list per intent and language.

Kept apart from the matching code so that a collections team can read and extend the
vocabulary without touching logic. Patterns run on normalised text: English is
lowercase with punctuation removed (apostrophes kept), Mandarin is simplified with
punctuation removed. Mandarin entries that are plain words are also matched by pinyin,
so ASR homophone slips (别在打了 for 别再打了) still hit.
"""

from __future__ import annotations

#: When several intents match, the first in this list wins: specific before generic.
PRIORITY = [
    "stop_calling", "wrong_number", "third_party", "already_paid", "dispute", "complaint",
    "hardship", "refuse", "request_installment", "request_human", "callback_later",
    "promise_to_pay", "identity_confirmed", "ask_details", "deny", "affirm",
]

_REL_EN = (r"(?:wife|husband|son|daughter|mother|mom|mum|father|dad|brother|sister|friend|"
           r"roommate|partner|girlfriend|boyfriend|colleague|coworker|cousin|aunt|uncle|"
           r"neighbou?r|grandson|granddaughter|assistant|secretary)")

EN: dict[str, list[str]] = {
    "stop_calling": [r"\bstop calling\b", r"\b(?:don't|do not|never) (?:ever )?call (?:me |this number |here )?(?:again|anymore|any more)",
                     r"\btake (?:me|my number) off\b", r"\bremove (?:me|my number)\b",
                     r"\bstop (?:bothering|harassing)\b", r"\bdo not call list\b", r"\bleave me alone\b",
                     r"\bquit calling\b", r"\bdon't call me\b"],
    "wrong_number": [r"\bwrong number\b", r"\b(?:no ?one|nobody) (?:here )?(?:by|with|named|called) (?:that|this) name\b",
                     r"\bno one here by\b", r"\bno such person\b", r"\bwrong person\b",
                     r"\b(?:don't|do not) know (?:any|anyone|anybody|who|him|her|that person)\b",
                     r"\bthere(?:'s| is) no \w+ (?:here|at this number)\b", r"\bnever heard of\b", r"\b(?:doesn't|does not|don't|do not) live here\b",
                     r"\bnot (?:his|her) number\b", r"\byou have the wrong\b", r"\bwrong guy\b"],
    "third_party": [rf"\b(?:i'm|i am|this is) (?:his|her|the|their) {_REL_EN}\b",
                    r"\b(?:he|she)(?:'s| is) not (?:here|home|in|available|around)\b",
                    r"\b(?:he|she) (?:isn't|is not|ain't) (?:here|home|in|available|around)\b",
                    r"\b(?:he|she)(?:'s| is) (?:out|at work|away|busy|asleep|sleeping|not at home)\b",
                    r"\b(?:he|she) (?:can't|cannot) come to the phone\b",
                    r"\btake a message\b", r"\b(?:passed away|died|deceased)\b", r"\b(?:he|she) (?:went|stepped) out\b"],
    "already_paid": [r"\b(?:already|just) (?:paid|payed|sent|made (?:the|a|my) payment|transferred|settled|took care)",
                     r"\bi paid (?:it|that|this|already|yesterday|last|on)\b", r"\bpaid (?:it )?(?:off|already|last week|yesterday)\b",
                     r"\b(?:it's|it has|it was|that's) (?:been |already )?paid\b", r"\bpayment (?:was|has been) (?:made|sent)\b",
                     r"\bi (?:sent|mailed|made|wired) (?:the|a|my) payment\b"],
    "dispute": [r"\bdispute\b", r"\b(?:don't|do not) owe\b", r"\bnot my (?:debt|loan|account|card)\b",
                r"\bi (?:never|didn't|did not) (?:borrow|borrowed|take out|took out|open|opened|sign up|signed up|apply|applied)\b",
                r"\b(?:amount|balance|bill) is (?:wrong|incorrect|not right)\b", r"\b(?:fraud|identity theft|scam|scammer|scammers)\b"],
    "complaint": [r"\bcomplain", r"\bharass", r"\b(?:lawyer|attorney)\b", r"\breport(?:ing)? you\b", r"\bsue you\b",
                  r"\b(?:rude|unacceptable|ridiculous)\b"],
    "hardship": [r"\b(?:can't|cannot|can not|couldn't) afford\b", r"\b(?:no|don't have|haven't got|do not have|ain't got)(?: any| the| enough)? money\b",
                 r"\b(?:lost|lose) my job\b", r"\bunemployed\b", r"\bout of work\b", r"\blaid off\b",
                 r"\b(?:i'm|i am) (?:broke|sick|ill|in (?:the )?hospital)\b", r"\bmedical\b",
                 r"\b(?:hard|tough|difficult) time", r"\bstruggling\b", r"\bmoney(?:'s| is) (?:\w+ )?tight\b",
                 r"\b(?:surgery|operation|need more time)\b"],
    "refuse": [r"\b(?:won't|wont|will not|not going to|ain't gonna|refuse to|am not|i'm not|never going to|not gonna) (?:pay|be paying)\b",
               r"\b(?:can't|cannot|can not) pay\b", r"\bnot paying\b", r"\bnever pay\b", r"\bno way\b",
               r"\bforget it\b", r"\bi refuse\b"],
    "request_installment": [r"\binstall?ments?\b", r"\bpayment plan\b", r"\b(?:in|by) (?:parts|part|pieces|chunks)\b",
                            r"\b(?:split|spread) (?:it|the payment|the amount)", r"\b(?:monthly|weekly) payments?\b",
                            r"\ba little (?:at a time|each month|every month)\b", r"\bpay (?:some|part) of\b", r"\bpay half\b", r"\bhalf (?:now|of it)\b"],
    "request_human": [r"\b(?:real|live|actual) (?:person|human|agent)\b",
                      r"\b(?:speak|talk) (?:to|with) (?:a |an |your |the )?(?:human|person|agent|representative|operator|manager|supervisor|someone|somebody)\b",
                      r"\b(?:operator|representative|supervisor)\b", r"\btransfer me\b", r"\bare you a (?:robot|machine|computer)\b"],
    "callback_later": [r"\bcall (?:me |us )?(?:back )?(?:later|another time|in an hour|this evening|tonight|tomorrow|next week)\b",
                       r"\bcall (?:me |us )?back\b", r"\b(?:bad|not a good) time\b",
                       r"\b(?:i'm|i am) (?:busy|driving|at work|in a meeting|in the middle)\b", r"\bcan't talk\b"],
    "promise_to_pay": [r"\b(?:i|we)(?:'ll| will| can| could| should| am going to|'m going to| gonna| plan to| promise to| want to| wanna| would like to)(?: be able to)? (?:pay|make (?:a|the) payment|send (?:it|the money|you)|transfer|settle|clear)\b",
                       r"\bpay (?:it|you|that|the|this|on|by|\d|\$)", r"\b(?:make|set up|schedule) a payment\b", r"\bcan pay\b",
                       r"\bi'll pay\b", r"\b(?:i|we) (?:can|could) do\b", r"\bgive me (?:till|until|to)\b"],
    "identity_confirmed": [r"\bspeaking\b", r"\bthis is (?:he|she|him|her|me)\b", r"\b(?:that's|that is|it's|it is) me\b",
                           r"\b(?:i'm|i am) (?:he|she|him|her)\b", r"^(?:yes|yeah|yep)? ?it is\b",
                           r"\byou(?:'re| are) (?:speaking|talking) (?:to|with) (?:him|her|me)\b", r"\bthe one and only\b",
                           r"^(?:yes |yeah |yep )?this is (?!his\b|her\b|the\b|a\b|an\b|not\b|wrong\b|busy\b|driving\b|sorry\b)[a-z]+(?: [a-z]+)?$",
                           r"^(?:yes |yeah |yep )?i am$"],
    "ask_details": [r"\bwho (?:is|are) (?:this|you|calling)\b", r"\bwho's (?:this|calling)\b", r"\bwhat(?:'s| is) (?:this|it|that) (?:about|regarding|for)\b",
                    r"\bhow much (?:do i|is it|is the|i owe|was it)\b", r"\bwhat do i owe\b", r"\bwhat (?:company|bank)\b",
                    r"\bwhen (?:is|was) it due\b", r"\bwhy are you calling\b", r"\bwhere are you calling from\b",
                    r"\brepeat\b", r"\bsay (?:that|it) again\b", r"\bwhat did you say\b", r"\bpardon\b", r"^what$"],
    "deny": [r"^(?:no|nope|nah|not really|negative|wrong|incorrect)\b", r"\b(?:that's|that is|it's|it is) (?:wrong|not right|not correct|incorrect)\b",
             r"\b(?:that|it) (?:isn't|is not) (?:right|correct)\b", r"\bnot (?:right|correct|true)\b"],
    "affirm": [r"^(?:yes|yeah|yep|yup|yes sir|yes ma'am|sure|ok|okay|correct|right|exactly|absolutely|of course|uh huh|uh-huh|mm hmm|mm-hmm|mhm|alright|all right|fine|i do|i will|definitely|certainly)\b",
               r"\b(?:that's|that is|it's|sounds) (?:right|correct|good|fine)\b", r"\byes\b"],
}

_REL_ZH = "(?:老婆|妻子|爱人|老公|丈夫|媳妇|妈妈|妈|母亲|爸爸|爸|父亲|儿子|女儿|哥哥|哥|姐姐|姐|弟弟|弟|妹妹|妹|朋友|同事|家人|亲戚|室友|同学|邻居)"

ZH: dict[str, list[str]] = {
    "stop_calling": ["别再打", "不要再打", "别打了", "不要打了", "别给我打", "不要给我打", "以后别打", "别再给我打",
                     "不要再给我打", "再也别打", "别打电话", "不要打电话", "拉黑", "别烦我", "不要烦我"],
    "wrong_number": ["打错了", "打错", "没有这个人", "没这个人", "不认识", "找错人", "号码错了", "你找错了",
                     "这里没有叫", "不是这个号", "没有叫这个名字", "打错电话"],
    "third_party": [f"我是他的?{_REL_ZH}", f"我是她的?{_REL_ZH}", "他不在", "她不在", "他没在", "她没在", "不在家",
                    "他出去了", "她出去了", "他在上班", "她在上班", "他现在不方便接", "我帮你转告", "我转告他", "我转告她"],
    "already_paid": ["已经还", "已还(?!不)", "还过了", "早就还", "已经付", "已经交", "已经转", "已经打过去", "还完了",
                     "昨天还了", "前天还了", "刚还了", "已经结清", "还清了", "已经处理了", "还了还了", "转账了",
                     "(?:上周|上个月|上星期|昨天|前天|刚才|刚刚|早就|早)就?还了", "刚刚?转"],
    "dispute": ["不是我借的", "没借过", "我没借", "没有借过", "金额不对", "数目不对", "不是我的", "骗子", "诈骗",
                "有争议", "账不对", "我不欠", "账有问题", "不认账", "我不认"],
    "complaint": ["投诉", "举报", "骚扰", "报警", "律师", "起诉你", "告你"],
    "hardship": ["没钱", "没有钱", "还不起", "还不上", "拿不出", "困难", "失业", "没工作", "下岗", "生病", "住院",
                 "手头紧", "不宽裕", "周转不开", "经济不好", "没收入", "还不了", "没发工资", "工资还没发"],
    "refuse": ["不还", "不会还", "不想还", "不给", "不付", "不交", "没打算还", "凭什么", "不可能还", "拒绝", "没门",
               "就是不还", "还不还"],
    "request_installment": ["分期", "分[一二两三四五六七八九十0-9几]{1,2}个?(?:月|次|期)", "分几次", "分开还", "还一部分", "少还点", "慢慢还", "每个月还", "先还一点", "分批"],
    "request_human": ["转人工", "人工", "真人", "客服", "领导", "经理", "主管", "机器人吗", "你是机器人", "跟机器", "和机器"],
    "callback_later": ["晚点打", "晚点再打", "晚点再说", "回头再说", "等会", "过会儿", "一会儿再打", "在开车", "在开会",
                       "在忙", "现在忙", "不方便", "再打给我", "晚些", "改天", "待会", "等一下再打",
                       "^(?:明天|后天|下周|晚上|下午|过两天)再说"],
    "promise_to_pay": ["会还", "我还钱", "还钱", "还款", "还上", "还给你", "去还", "就还", "能还", "可以还", "马上还",
                       "尽快还", "还(?=[0-9零一二两三四五六七八九十百千万]|$)", "转给你", "打给你们", "付款", "我来还", "我还(?![没不是在有要得])", "处理掉", "还清(?!了)", "会.{0,6}还(?![不没])"],
    "identity_confirmed": ["是我", "我就是", "就是我", "本人", "我是$", "是的我是", "对我是", "我是他本人",
                           "^(?:对|是的|嗯|喂|你好|您好)*我是(?![他她你谁不说])[\u4e00-\u9fff]{2,3}$"],
    "ask_details": ["你是谁", "哪位", "什么事", "哪里", "多少钱", "欠多少", "欠了多少", "什么时候到期", "怎么回事",
                    "再说一遍", "没听清", "你说什么", "哪个公司", "哪个银行", "干嘛", "什么意思"],
    "deny": ["^不对", "^不是", "^不行", "^错了", "^没有", "^不$", "^不不", "不对"],
    "affirm": ["^对", "^是的", "^是啊", "^是$", "^没错", "^好的", "^好$", "^好", "^行", "^可以", "^嗯", "^确认",
               "^没问题", "^正确", "对的", "没错"],
}

#: Common ASR slips in collection calls, replaced before matching.
ZH_SLIPS = {"海浪了": "还了", "已经海了": "已经还了", "海款": "还款", "换款": "还款", "环款": "还款", "还宽": "还款", "换钱": "还钱",
            "转人公": "转人工", "人公": "人工", "打措": "打错", "大错了": "打错了"}

#: Mandarin slips that need context: 海 (hai) heard for 还 (huan) before an amount.
ZH_SLIP_PATTERNS = [(r"海(?=[0-9零一二两三四五六七八九十百千万])", "还")]

#: English ASR slips and dropped apostrophes, rewritten before matching.
EN_SLIPS = [(r"\ball ready\b", "already"), (r"\bpayed\b", "paid"), (r"\brong\b", "wrong"),
            (r"\bto (hundred|thousand)\b", r"two \1"), (r"\bfor (hundred|thousand)\b", r"four \1"),
            (r"\b(dont|cant|wont|didnt|doesnt|isnt|aint|whos|thats|whats|theres|hes|shes)\b",
             lambda m: m.group(1)[:-1] + "'" + m.group(1)[-1] if m.group(1)[-2:] == "nt"
             else m.group(1)[:-1] + "'s"),
            (r"\bim\b", "i'm"), (r"\bive\b", "i've"), (r"\byoure\b", "you're")]

#: Plain English key phrases matched fuzzily when nothing else matched (typos, slips).
EN_FUZZY = {"stop calling": "stop_calling", "wrong number": "wrong_number",
            "already paid": "already_paid", "payment plan": "request_installment",
            "real person": "request_human", "call me back": "callback_later",
            "don't call me": "stop_calling", "not my debt": "dispute"}
