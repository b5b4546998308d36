import factory

from madoguchi.core.factories import CityOwnedFactory, SectionFactory

from .models import Dataset, Resource


class DatasetFactory(CityOwnedFactory):
    class Meta:
        model = Dataset

    section = factory.SubFactory(SectionFactory, name="情報政策課")
    municipality = factory.SelfAttribute("section.municipality")
    name = factory.Sequence(lambda n: f"dataset-{n}")
    title = factory.Sequence(lambda n: f"テストデータ{n}")
    notes = "テスト用のデータセットです。"


class ResourceFactory(CityOwnedFactory):
    class Meta:
        model = Resource

    dataset = factory.SubFactory(DatasetFactory)
    name = "一覧（CSV）"
    format = Resource.Format.CSV
