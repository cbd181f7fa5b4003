"""Production serving (``relais serve``): gunicorn with gevent workers, the node's side process, access logs.

Importing this package imports neither gunicorn nor gevent: the app (kernel/app.py) uses its access log under
the threaded server too. How the processes are laid out is told in kernel/serving/arbiter.py.
"""
