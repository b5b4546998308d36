import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "madoguchi.settings")
application = get_wsgi_application()
# Start-up's objects live as long as the process: out of the garbage collector's sight, so its
# full collections walk only what requests allocate (the task worker does the same).
gc.freeze()
