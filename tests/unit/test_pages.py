"""Page helpers: forms that call actions, rendered from templates."""

from __future__ import annotations

from pathlib import Path

from litestar import Litestar, get
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.response import Template
from litestar.template.config import TemplateConfig
from litestar.testing import AsyncTestClient

from authstage import AuthstagePlugin, action_id, bind
from tests.unit import sample_actions as sa
from tests.unit.conftest import SECRET

TEMPLATE = """<form method="post" action="/_action">{{ action_fields("stable.kw") }}</form>
<form method="post" action="/_action">{{ bind(delete_post, 5).form_fields() }}</form>"""


@get("/form")
async def form_page() -> Template:
    return Template(template_str=TEMPLATE, context={"delete_post": sa.delete_post})


@get("/mine")
async def mine() -> dict[str, str]:
    return {"token": bind(sa.delete_post, 1, session=True).token, "id": action_id(sa.add)}


def make_app(tmp_path: Path) -> Litestar:
    return Litestar(
        [form_page, mine],
        plugins=[AuthstagePlugin(actions=[sa], secret=SECRET)],
        template_config=TemplateConfig(directory=tmp_path, engine=JinjaTemplateEngine),
    )


async def test_templates_render_action_fields_and_bound_forms(tmp_path: Path) -> None:
    async with AsyncTestClient(make_app(tmp_path)) as client:
        html = (await client.get("/form")).text
        assert html.count('name="_action"') == 2
        assert 'name="_bound"' in html
        token = html.split('name="_bound" value="')[1].split('"')[0]
        aid = html.split('name="_action" value="')[2].split('"')[0]
        response = await client.post("/_action", data={"_action": aid, "_bound": token})
    assert response.json()["data"] == "deleted 5"


async def test_session_binding_needs_a_session_cookie(tmp_path: Path) -> None:
    async with AsyncTestClient(make_app(tmp_path)) as client:
        response = await client.get("/mine", headers={"cookie": "authstage_session=abc"})
        assert response.status_code == 200
        assert len(response.json()["id"]) == 42
        # Binding to a session that does not exist is a programming error in the page.
        assert (await client.get("/mine")).status_code == 500
