def test_demo_loads_and_is_idempotent(city):
    from madoguchi.participation import demo
    from madoguchi.participation.models import Consultation, Opinion, Proposal

    demo.load(city)
    demo.load(city)
    c = Consultation.objects.get(title=demo.TITLE)
    assert c.is_open() and Opinion.objects.filter(consultation=c).count() == len(demo.OPINIONS)
    assert Proposal.objects.count() == len(demo.PROPOSALS)
    assert Proposal.objects.filter(outcome="adopted").count() == 1
