"""Child process of test_concurrency: books every frame it is given, as one user, through the
service layer with its own database connection. Prints one JSON line of outcomes."""

import datetime as dt
import json
import os
import sys
import time


def main() -> None:
    import django

    django.setup()
    from django.contrib.auth import get_user_model

    from madoguchi.reservations import services
    from madoguchi.reservations.models import Counter, Unit

    user_id, unit_id, counter_id, day, start_at = sys.argv[1:6]
    user = get_user_model().objects.get(pk=user_id)
    unit = Unit.objects.select_related("facility").get(pk=unit_id)
    counter = Counter.objects.select_related("municipality", "section").get(pk=counter_id)
    day = dt.date.fromisoformat(day)
    time.sleep(max(0.0, float(start_at) - time.time()))  # start together
    out = {"ok": 0, "refused": 0, "visit_ok": 0, "visit_refused": 0}
    for frame in services.frames_for(unit, day):
        try:
            services.book(user, services.HoldRequest(unit, day, frame.start))
            out["ok"] += 1
        except services.BookingError:
            out["refused"] += 1
    try:
        services.book_visit(user, counter, day, counter.opens)
        out["visit_ok"] += 1
    except services.BookingError:
        out["visit_refused"] += 1
    print(json.dumps(out))


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "madoguchi.settings")
    main()
