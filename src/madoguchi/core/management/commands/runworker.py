"""Run a task worker (scale-out mode): ``manage.py runworker`` — drains the outbox, woken by Redis."""

import gc
import signal
import threading

from django.core.management.base import BaseCommand

from madoguchi.core import tasks


class Command(BaseCommand):
    help = "タスクキューのワーカーを起動します。"

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="実行待ちのタスクを処理して終了します。")

    def handle(self, *args, once=False, **options):
        if once:
            tasks.enqueue_periodic()
            ran = tasks.run_pending()
            self.stdout.write(f"{ran} task(s) ran")
            return
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        signal.signal(signal.SIGINT, lambda *_: stop.set())
        self.stdout.write("worker started")
        self.stdout.flush()  # what a supervisor (and devtools.servers.worker) waits for
        # What start-up loaded (modules, models, URLconf, templates) stays for the process's
        # life: out of the collector's sight, a full collection during a large task (the
        # lottery draw's 150,000 wishes) no longer walks it each time (as wsgi.py does).
        gc.freeze()
        tasks.work_forever(stop)
