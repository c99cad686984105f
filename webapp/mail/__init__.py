"""Email: the outbox (outbox.py: enqueue, notify_*), timed messages (schedule.py),
rendering (render.py) and writing (message.py), sending (smtp.py: the SMTP session;
batch.py: claim, load, record; worker.py: the loops) and the local mailbox."""
