"""Previews without code: a chart of a numeric column (core.charts, with its table) and a map
(Leaflet served from this site, tiles from the setting, allowed by the CSP) for a table with
緯度/経度 and for GeoJSON — every map item also in the list. No tile is fetched."""

import json

import pytest
from django.contrib.staticfiles import finders

from madoguchi.core import tenancy
from madoguchi.opendata import services
from madoguchi.opendata.factories import ResourceFactory
from madoguchi.opendata.models import Resource

CSV = "名称,人口,緯度,経度\n中央町,1200,35.6812,139.7671\n北町,800,35.7000,139.7800\n南町,950,,\n"
GEOJSON = {
    "type": "FeatureCollection",
    "features": [
        {"type": "Feature", "properties": {"名称": "第一避難所"}, "geometry": {"type": "Point", "coordinates": [139.70, 35.69]}},
        {
            "type": "Feature",
            "properties": {"名称": "浸水想定区域"},
            "geometry": {"type": "Polygon", "coordinates": [[[139.7, 35.6], [139.8, 35.6], [139.8, 35.7], [139.7, 35.6]]]},
        },
    ],
}


@pytest.fixture
def table(db):
    resource = ResourceFactory(name="町丁目別人口")
    with tenancy.using(resource.municipality):
        services.add_version(resource, content=CSV.encode(), filename="pop.csv")
    return resource


@pytest.mark.django_db
def test_chart_of_a_numeric_column_with_its_table(client, table):
    page = client.get(f"/opendata/resource/{table.pk}/").content.decode()
    chart_select = page.split('id="chart"')[1].split("</select>")[0]
    assert "<option>人口</option>" in chart_select and "緯度" not in chart_select
    page = client.get(f"/opendata/resource/{table.pk}/?chart=人口").content.decode()
    assert 'role="img"' in page and "中央町" in page and "1,200" in page  # the SVG and its table


@pytest.mark.django_db
def test_map_of_a_table_lists_every_row(client, table, settings):
    assert finders.find("leaflet/leaflet.js") and finders.find("opendata/map.js")
    page = client.get(f"/opendata/resource/{table.pk}/").content.decode()
    assert f"/opendata/resource/{table.pk}/map/" in page
    response = client.get(f"/opendata/resource/{table.pk}/map/")
    html = response.content.decode()
    assert response.status_code == 200 and "leaflet/leaflet.js" in html and 'data-tiles="https://cyberjapandata.gsi.go.jp/xyz/std/{z}/{x}/{y}.png"' in html
    assert "https://cyberjapandata.gsi.go.jp" in response["Content-Security-Policy"]
    data = json.loads(html.split('id="od-map-data" type="application/json">')[1].split("</script>")[0])
    assert [p["name"] for p in data["points"]] == ["中央町", "北町"]
    assert all(name in html for name in ("中央町", "北町", "南町"))  # 南町 has no coordinates: listed, not drawn


@pytest.mark.django_db
def test_map_of_geojson_points_and_areas(client):
    resource = ResourceFactory(name="避難所", format=Resource.Format.GEOJSON)
    with tenancy.using(resource.municipality):
        services.add_version(resource, content=json.dumps(GEOJSON, ensure_ascii=False).encode(), filename="shelters.geojson")
    assert f"/opendata/resource/{resource.pk}/map/" in client.get(f"/opendata/dataset/{resource.dataset.name}/").content.decode()
    html = client.get(f"/opendata/resource/{resource.pk}/map/").content.decode()
    data = json.loads(html.split('id="od-map-data" type="application/json">')[1].split("</script>")[0])
    assert data["points"] == [{"name": "第一避難所", "lat": 35.69, "lon": 139.7}] and data["shapes"][0]["geometry"]["type"] == "Polygon"
    assert "第一避難所" in html and "浸水想定区域" in html and "区域" in html
    plain = ResourceFactory(dataset=resource.dataset, name="表", format=Resource.Format.PDF)
    assert client.get(f"/opendata/resource/{plain.pk}/map/").status_code == 404
