"""Live events of calls, published to MQTT (Mosquitto) as they happen.

Supervisors should hear within seconds when a call goes wrong, not in next month's
report. During every robot call, each turn (what the robot said, what the borrower said)
and each QA finding is published on the topics documented in docs/mqtt.md;
``dunbot qa watch`` shows them in a terminal. Publishing never holds up a call: messages
go through a bounded queue to a background task, and are dropped (with one warning)
while no broker answers.
"""
