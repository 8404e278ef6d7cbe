"""The station's routes. Every page but the login needs a session; every
POST needs the session's CSRF token (403 without it); changes need the
officer role (403 for a viewer) and name the version the officer saw (409
when the record changed since). Record ids are sha256 digests on file (404
for anything else); files are served only from the state and outbox folders."""

from __future__ import annotations

import re
import threading
from pathlib import Path
from typing import Any, Callable, Optional
from urllib.parse import urlencode

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from .. import accounts, review
from ..errors import PipelineError, UsageError
from ..ledger import Ledger, VersionConflictError
from ..models import KIND_ZH, STATUS_ZH
from ..search import search_hits
from ..settings import Settings
from . import security
from .images import Pages
from .queue import Filters, next_after, queue
from .view import record_view

HERE = Path(__file__).parent
SEARCH_LIMIT = 50   # hits shown for a search, newest first
SHA = re.compile(r"^[0-9a-f]{64}$")


class Station:
    """What the routes share: one ledger connection (behind a lock), the
    page renderer, the output hook and the password throttle."""

    def __init__(self, settings: Settings, publish: Optional[review.Publish], pause: float) -> None:
        self.settings = settings
        self.ledger = Ledger(settings.ledger_path, lock=False)
        self.lock = threading.Lock()
        self.pages = Pages(settings)
        self.publish = publish
        self.throttle = security.Throttle(pause)
        self.templates = Jinja2Templates(directory=str(HERE / "templates"))
        self.templates.env.globals.update(KIND_ZH=KIND_ZH, STATUS_ZH=STATUS_ZH)

    def page(self, request: Request, name: str, status: int = 200, **context: Any) -> Response:
        context.update(user=security.user(request), officer=security.is_officer(request),
                       csrf=security.csrf_token(request))
        return self.templates.TemplateResponse(request, name, context, status_code=status)

    def record_or_404(self, sha: str) -> Any:
        if not SHA.match(sha):
            return None
        with self.lock:
            return self.ledger.record(sha)


def _need_login(request: Request) -> Optional[Response]:
    if security.user(request) is None:
        return RedirectResponse("/login?" + urlencode({"next": request.url.path}), status_code=303)
    return None


def _not_found() -> Response:
    return Response("未找到。", status_code=404, media_type="text/plain; charset=utf-8")


def auth_routes(st: Station) -> list[Any]:
    async def login_page(request: Request) -> Response:
        return st.page(request, "login.html", next=request.query_params.get("next", "/"))

    async def login(request: Request) -> Response:
        form = await request.form()
        if not security.csrf_ok(request, str(form.get("csrf", ""))):
            return Response("表单已过期，请刷新页面后重试。", status_code=403, media_type="text/plain; charset=utf-8")
        name, password = str(form.get("name", "")).strip(), str(form.get("password", ""))
        wait = st.throttle.wait(name)
        if wait:
            return st.page(request, "login.html", 429, error=f"密码错误次数过多，请 {int(wait) + 1} 秒后再试。", next="/")
        role = accounts.check(st.settings.state, name, password)
        if role is None:
            st.throttle.failed(name)
            return st.page(request, "login.html", 401, error="用户名或密码不正确。", next="/")
        st.throttle.succeeded(name)
        request.session.clear()
        request.session.update(user=name, role=role)
        target = str(form.get("next", "/"))
        local = target.startswith("/") and not target.startswith("//") and "\\" not in target
        return RedirectResponse(target if local else "/", status_code=303)

    async def logout(request: Request) -> Response:
        form = await request.form()
        if not security.csrf_ok(request, str(form.get("csrf", ""))):
            return Response("表单已过期。", status_code=403)
        request.session.clear()
        return RedirectResponse("/login", status_code=303)

    return [Route("/login", login_page, methods=["GET"]), Route("/login", login, methods=["POST"]),
            Route("/logout", logout, methods=["POST"])]


def routes(st: Station) -> list[Any]:
    def home(request: Request) -> Response:
        if (r := _need_login(request)) is not None:
            return r
        q = request.query_params
        filters = Filters(agency=q.get("agency") or None, kind=q.get("kind") or None, status=q.get("status") or None,
                          page=int(q["page"]) if q.get("page", "").isdigit() else 0)
        with st.lock:
            found = queue(st.ledger, filters)
        return st.page(request, "queue.html", queue=found, filters=filters)

    def record(request: Request) -> Response:
        if (r := _need_login(request)) is not None:
            return r
        rec = st.record_or_404(request.path_params["sha"])
        if rec is None:
            return _not_found()
        sizes = st.pages.sizes(rec.archive, rec.sha256)
        return st.page(request, "record.html", view=record_view(rec, sizes),
                       message=request.query_params.get("msg"), error=request.query_params.get("err"))

    def page_image(request: Request) -> Response:
        if (r := _need_login(request)) is not None:
            return r
        rec = st.record_or_404(request.path_params["sha"])
        data = st.pages.png(rec.archive, rec.sha256, int(request.path_params["n"])) if rec else None
        return Response(data, media_type="image/png") if data else _not_found()

    def next_record(request: Request) -> Response:
        if (r := _need_login(request)) is not None:
            return r
        sha = request.path_params["sha"]
        with st.lock:
            after = next_after(st.ledger, sha)
        return RedirectResponse(f"/record/{after}" if after else "/", status_code=303)

    def outbox_file(request: Request) -> Response:
        if (r := _need_login(request)) is not None:
            return r
        root = st.settings.outbox.resolve()
        path = (root / request.path_params["path"]).resolve()
        if root not in path.parents or not path.is_file():
            return _not_found()
        return FileResponse(path)

    return auth_routes(st) + [
        Route("/", home), Route("/search", search_handler(st)),
        Route("/record/{sha}", record), Route("/record/{sha}/page/{n:int}.png", page_image),
        Route("/record/{sha}/next", next_record),
        Route("/record/{sha}/{action}", change_handler(st), methods=["POST"]),
        Route("/outbox/{path:path}", outbox_file),
        Mount("/static", StaticFiles(directory=str(HERE / "static")), name="static"),
    ]


ACTIONS: dict[str, Callable[..., Any]] = {
    "correct": lambda st, sha, f, **kw: review.correct(st.ledger, sha, str(f.get("field", "")), str(f.get("value", "")), **kw),
    "accept": lambda st, sha, f, **kw: review.accept(st.ledger, sha, **kw),
    "reject": lambda st, sha, f, **kw: review.reject(st.ledger, sha, **kw),
    "kind": lambda st, sha, f, **kw: review.change_kind(st.settings, st.ledger, sha, str(f.get("kind", "")), **kw),
}
DONE = {"correct": "已保存更正。", "accept": "已受理。", "reject": "已退回。", "kind": "已更正类别并重新提取。"}


def search_handler(st: Station) -> Callable[[Request], Response]:
    """The search box's page: the filings whose text, fields or corrections
    hold the query, newest first, each with its context."""
    def search(request: Request) -> Response:
        if (r := _need_login(request)) is not None:
            return r
        q = request.query_params.get("q", "").strip()[:100]
        hits, error = [], None
        if q:
            try:
                with st.lock:
                    hits = search_hits(st.ledger, q, limit=SEARCH_LIMIT)
            except UsageError as exc:
                error = exc.message
        return st.page(request, "search.html", q=q, hits=hits, error=error, limit=SEARCH_LIMIT)

    return search


def change_handler(st: Station) -> Callable[[Request], Any]:
    async def change(request: Request) -> Response:
        form = await request.form()
        if not security.csrf_ok(request, str(form.get("csrf", ""))):
            return Response("表单缺少有效的安全令牌（CSRF），未保存：请刷新页面后重试。", status_code=403,
                            media_type="text/plain; charset=utf-8")
        if security.user(request) is None:
            return RedirectResponse("/login", status_code=303)
        if not security.is_officer(request):
            return Response("查看人员不能修改记录。", status_code=403, media_type="text/plain; charset=utf-8")
        sha, action = request.path_params["sha"], request.path_params["action"]
        if action not in ACTIONS or st.record_or_404(sha) is None:
            return _not_found()
        version = str(form.get("version", ""))
        reason = str(form.get("reason", "")).strip() or None
        options: dict[str, Any] = {"by": security.user(request), "version": int(version) if version.isdigit() else None,
                                   "publish": st.publish, "reason": reason}
        try:
            with st.lock:
                ACTIONS[action](st, sha, form, **options)
        except VersionConflictError as exc:
            return st.page(request, "conflict.html", 409, message=exc.message, sha=sha)
        except PipelineError as exc:
            return RedirectResponse(f"/record/{sha}?" + urlencode({"err": exc.message}), status_code=303)
        return RedirectResponse(f"/record/{sha}?" + urlencode({"msg": DONE[action]}), status_code=303)

    return change


def create_app(settings: Settings, publish: Optional[review.Publish] = None, pause: float = security.PAUSE_SECONDS,
               session_seconds: int = security.SESSION_SECONDS) -> Starlette:
    station = Station(settings, publish, pause)
    middleware = [Middleware(security.SecurityHeaders),
                  Middleware(SessionMiddleware, secret_key=security.secret_key(settings.state),
                             session_cookie="pipeline_session", max_age=session_seconds, same_site="strict")]
    app = Starlette(routes=routes(station), middleware=middleware)
    app.state.station = station
    return app
