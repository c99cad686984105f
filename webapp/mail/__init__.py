"""Email: the outbox (enqueue, notify_*), timed messages, rendering and delivery."""
