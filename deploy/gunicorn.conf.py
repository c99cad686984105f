# gunicorn settings for Webinar Desk: gunicorn -c deploy/gunicorn.conf.py 'webapp:create_app()'
bind = "127.0.0.1:8000"
workers = 2
threads = 4
accesslog = "-"
# Signed tokens in paths (/watch/<token>, /p/<token>) never reach the access log.
logger_class = "webapp.gunicorn_logging.GunicornLogger"
