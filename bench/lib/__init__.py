"""The parts of bench/run.py: the environment, the data, the servers, wrk, the sign-up
tuples, the mail worker and the report."""
