def test_item_history_empty(client, widgets):
    resp = client.get(f"/items/{widgets[0].id}/history")
    assert resp.status_code == 200
    assert resp.json() == []


def test_export_csv(client, widgets):
    resp = client.get("/items/export/csv")
    assert resp.status_code == 200
    lines = resp.text.strip().splitlines()
    assert lines[0] == "id,sku,name,price_cents"
    assert len(lines) == len(widgets) + 1


def test_get_missing_item(client):
    assert client.get("/items/999999").status_code == 404
