"""Every endpoint of the API, read from its router, tried as an anonymous caller, the owner of
the objects, another manager, a manager who only holds a task on the deal, and the head of
sales. A new endpoint is in the matrix the moment it is registered; a new resource must be
classified below or `test_every_resource_is_classified` fails."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from api.urls import router
from deals.models import DealEvent

from .conftest import keyed

pytestmark = pytest.mark.django_db

# Objects of a deal: seen by the deal's owner (and a task holder), 404 for other managers.
OF_A_DEAL = {"deal", "task", "comment", "contact", "client", "calculation", "invoice", "payment"}
OF_A_DEAL |= {"proposal", "contract"}
# The company's shared reference lists: read by everyone signed in, changed nowhere here.
SHARED = {"stage", "loss_reason", "catalog_item", "user", "document_template"}
# What a manager who only holds a task on the deal may do there (deals.roles).
HOLDER_MAY = {("comment-list", "post"), ("task-complete", "post")}
WRITES = {"post", "patch", "put", "delete"}
# Creating one's own new deal or client: no object of the owner is named.
OWN_NEW = {"deal-list", "client-list"}


def routes() -> list[tuple[str, str, str, bool]]:
    """(url name, basename, method, detail) for every route and method of the router."""
    found = []
    for pattern in router.urls:
        basename = pattern.name.rsplit("-", 1)[0]
        detail = "pk" in pattern.pattern.regex.groupindex
        for method in pattern.callback.actions:
            if method in ("put",):
                continue  # PATCH is the update; PUT is not routed
            found.append((pattern.name, basename, method, detail))
    return sorted(found)


ROUTES = routes()


def test_every_resource_is_classified():
    basenames = {basename for _, basename, _, _ in ROUTES}
    assert basenames == OF_A_DEAL | SHARED


def test_there_is_something_to_check():
    names = {name for name, *_ in ROUTES}
    assert {"deal-list", "deal-detail", "deal-move", "task-complete"} <= names


@pytest.fixture
def world(manager_a, manager_b, head, stages):
    """The pages' security-matrix world (a deal with a task, a contact, a client, a
    calculation, a proposal, a contract, an issued invoice with a payment), and the rest."""
    from deals import services
    from deals.models import LossReason
    from documents.models import DocumentTemplate
    from tests.test_security_matrix import build_world

    built = build_world(manager_a, manager_b, head)
    objects = dict(built.objects)
    objects.update(
        deal=built.deal,
        comment=services.comment_add(deal=built.deal, author=manager_a, text="Договорились"),
        stage=stages[0],
        loss_reason=LossReason.objects.first(),
        user=manager_a,
        document_template=DocumentTemplate.objects.first(),
    )
    return {"objects": objects, "owner": manager_a, "other": manager_b, "head": head}


def _url(name: str, basename: str, detail: bool, world) -> str:
    kwargs = {"pk": world["objects"][basename].pk} if detail else {}
    return reverse(f"api:{name}", kwargs=kwargs)


def _hostile(world) -> dict:
    """Plausible values, so that a missing check would really change something."""
    o = world["objects"]
    return {
        "deal": o["deal"].pk,
        "title": "чужое",
        "text": "чужой текст",
        "result": "готово",
        "name": "Чужой",
        "stage": o["stage"].pk,
        "client": o["client"].pk,
        "manager": world["other"].pk,
        "assignee": world["other"].pk,
        "budget": "1",
        "kind": "legal",
        "due_at": (timezone.now() + timedelta(days=3)).isoformat(),
    }


def _state(world) -> tuple:
    deal = world["objects"]["deal"]
    deal.refresh_from_db()
    return (
        DealEvent.objects.filter(deal=deal).count(),
        deal.title,
        deal.manager_id,
        deal.stage_id,
        deal.budget,
    )


def _call(client, method, url, body=None):
    if method in WRITES:
        return getattr(client, method)(url, body or {}, format="json")
    return getattr(client, method)(url)


@pytest.mark.parametrize(("name", "basename", "method", "detail"), ROUTES)
def test_an_anonymous_caller_gets_401(name, basename, method, detail, world, api_anon):
    before = _state(world)
    response = _call(api_anon, method, _url(name, basename, detail, world), _hostile(world))
    assert response.status_code == 401, (name, method, response.status_code)
    assert list(response.json()) == ["errors"]
    assert _state(world) == before


@pytest.mark.parametrize(("name", "basename", "method", "detail"), ROUTES)
def test_another_manager_gets_404_for_the_owners_objects(name, basename, method, detail, world):
    intruder = keyed(world["other"])
    url = _url(name, basename, detail, world)
    before = _state(world)
    response = _call(intruder, method, url, _hostile(world))
    if basename in SHARED:
        expected = {200} if method == "get" else {405}
        assert response.status_code in expected, (name, method, response.status_code)
    elif detail:
        assert response.status_code == 404, (name, method, response.status_code)
    elif method == "get":
        assert response.status_code == 200
        assert response.json()["results"] == [], name
    else:
        # Creating something on the owner's deal: the deal is not theirs to name.
        assert response.status_code in (400, 201), (name, response.status_code)
        if response.status_code == 400 and name not in OWN_NEW:
            assert "deal" in response.json()["errors"], name
    assert _state(world) == before, f"{name} {method}: a refused request changed the deal"


@pytest.mark.parametrize(("name", "basename", "method", "detail"), ROUTES)
def test_the_owner_and_the_head_reach_every_endpoint(name, basename, method, detail, world):
    if method != "get":
        pytest.skip("writes are checked with real bodies in the resource tests")
    for user in (world["owner"], world["head"]):
        response = keyed(user).get(_url(name, basename, detail, world))
        assert response.status_code == 200, (name, user, response.status_code)


@pytest.mark.parametrize(("name", "basename", "method", "detail"), ROUTES)
def test_the_owner_and_the_head_may_write_everywhere(name, basename, method, detail, world):
    if method not in WRITES or basename in SHARED:
        pytest.skip("reads and the shared lists")
    for user in (world["owner"], world["head"]):
        response = _call(keyed(user), method, _url(name, basename, detail, world), {})
        # An empty body is bad input (400), never a refusal of access.
        assert response.status_code not in (401, 403, 404, 500), (name, user, response.json())


@pytest.mark.parametrize(("name", "basename", "method", "detail"), ROUTES)
def test_a_task_holder_reads_but_gets_403_on_writes(name, basename, method, detail, world):
    from deals import services

    services.task_create(
        deal=world["objects"]["deal"],
        author=world["owner"],
        assignee=world["other"],
        kind="call",
        text="Перезвонить",
        due_at=timezone.now() + timedelta(days=1),
    )
    holder = keyed(world["other"])
    url = _url(name, basename, detail, world)
    if method not in WRITES:
        response = holder.get(url)
        assert response.status_code == 200, (name, response.status_code)
        return
    if basename in SHARED or (name, method) in HOLDER_MAY:
        pytest.skip("not a change of the deal, or one a task holder may make")
    before = _state(world)
    response = _call(holder, method, url, _hostile(world))
    if name in OWN_NEW:
        assert response.status_code in (201, 400)
    else:
        assert response.status_code == 403, (name, method, response.status_code)
        assert response.json()["errors"]["__all__"][0]
    assert _state(world) == before
