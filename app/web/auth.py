"""Log in and out (a server-side session, not an API token): with a user name and password, or
with the organisation's own identity provider (OpenID Connect single sign-on); change the
password; and the providers' back-channel logout.

Single sign-on is the authorization code flow with PKCE (Authlib's OAuth 2 client): state,
nonce and the PKCE verifier wait in the signed cookie during the round trip; the ID token is
checked in `services/access/oidc_tokens.py`, the person mapped and provisioned in
`services/access/federation.py`.
"""

from __future__ import annotations

from urllib.parse import urlencode

from authlib.common.security import generate_token
from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.requests_client import OAuth2Session
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext

from app.extensions import db
from app.services.access import accounts, federation, identity, oidc_tokens, sessions
from app.services.access.throttle import keys_for
from app.services.errors import InvalidInput

from .security import login_throttle
from .session import SESSION_KEY, current_actor, end_session, login_required, safe_next, start_session

PENDING = "sso_pending"


def providers():
    return current_app.extensions["zorgpad.federation"]


def _local_login() -> bool:
    return current_app.config.get("ZORGPAD_LOCAL_LOGIN", True)


def _login_page(error=None, username="", status=200):
    chooser = [{"key": p.key, "name": p.name} for p in providers().providers.values()]
    page = render_template(
        "login.html", error=error, username=username, providers=chooser, local_login=_local_login()
    )
    return page, status


def _too_many(retry_after: int):
    message = gettext("Too many failed login attempts. Wait a minute and try again.")
    page = render_template("error.html", status=429, message=message)
    return page, 429, {"Retry-After": str(max(1, retry_after))}


def routes(bp) -> None:
    @bp.route("/login", methods=["GET", "POST"])
    def login():
        if request.method == "GET" and current_actor() is not None:
            return redirect(url_for("web.inbox"))
        error = None
        username = ""
        if request.method == "POST" and not _local_login():
            return _login_page(
                gettext("Log in through your organisation: passwords are switched off."), "", 403
            )
        if request.method == "POST":
            username = (request.form.get("username") or "").strip()
            throttle = login_throttle()
            # Counted per user name and per address on every node, before the password is checked.
            attempt = throttle.reserve(keys_for(username, request.remote_addr))
            if not attempt.allowed:
                throttle.release(attempt)  # refused attempts do not lengthen the wait
                return _too_many(attempt.retry_after)
            found = identity.login(username, request.form.get("password") or "")
            if found is not None:
                throttle.release(attempt)  # only failures count
                start_session(found[0])
                return redirect(safe_next(request.args.get("next")))
            error = gettext("Unknown user name or wrong password.")
        return _login_page(error, username, 401 if error else 200)

    @bp.get("/login/sso/<provider_key>")
    def sso_login(provider_key):
        provider = providers().by_key(provider_key) or abort(404)
        try:
            endpoint = oidc_tokens.metadata(provider)["authorization_endpoint"]
        except (oidc_tokens.ProviderUnavailable, KeyError):
            return _refused(
                503, gettext("Your organisation's login service cannot be reached. Try again later.")
            )
        verifier, nonce = generate_token(48), generate_token(32)
        client = _client(provider)
        url, state = client.create_authorization_url(
            endpoint, code_verifier=verifier, nonce=nonce, **provider.authorize_params
        )
        session[PENDING] = {
            "provider": provider.key,
            "state": state,
            "nonce": nonce,
            "verifier": verifier,
            "next": safe_next(request.args.get("next")),
        }
        return redirect(url)

    @bp.get("/login/sso/<provider_key>/callback")
    def sso_callback(provider_key):
        provider = providers().by_key(provider_key) or abort(404)
        pending = session.pop(PENDING, None)
        if (
            not pending
            or pending["provider"] != provider.key
            or request.args.get("state") != pending["state"]
        ):
            return _refused(400, gettext("This login has expired or did not start here. Log in again."))
        if request.args.get("error") or not request.args.get("code"):
            return _refused(401, gettext("Your organisation did not log you in. Try again."))
        try:
            token = _client(provider).fetch_token(
                oidc_tokens.metadata(provider)["token_endpoint"],
                code=request.args["code"],
                code_verifier=pending["verifier"],
                grant_type="authorization_code",
            )
            id_token = token.get("id_token") or ""
            claims = oidc_tokens.verify_id_token(provider, id_token, pending["nonce"])
            actor = federation.sign_in(providers(), provider, claims, address=request.remote_addr)
        except federation.SignInRefused as exc:
            current_app.logger.warning("single sign-on refused for %s: %s", provider.key, exc.reason)
            if exc.mfa:
                return _refused(
                    403,
                    gettext(
                        "Login refused: your organisation requires multi-factor authentication (MFA) for "
                        "client data. Log in again with your second factor."
                    ),
                )
            return _refused(403, gettext("Login refused: %(reason)s", reason=exc.reason))
        except oidc_tokens.TokenRefused as exc:
            current_app.logger.warning("ID token of %s refused: %s", provider.key, exc.reason)
            return _refused(401, gettext("Your organisation's answer could not be verified. Log in again."))
        except (OAuthError, oidc_tokens.ProviderUnavailable, KeyError, ValueError) as exc:
            current_app.logger.warning(
                "single sign-on with %s failed: %s", provider.key, exc.__class__.__name__
            )
            return _refused(
                502, gettext("Your organisation's login service gave no usable answer. Try again.")
            )
        user = identity.find_user(db.session, actor.username)
        start_session(
            user.id,
            provider=provider.key,
            provider_sid=claims.get("sid") if isinstance(claims.get("sid"), str) else None,
            provider_subject=claims.get("sub"),
            id_token=id_token,
        )
        return redirect(pending["next"])

    @bp.post("/logout")
    def logout():
        provider_key, id_token = sessions.provider_of(session.get(SESSION_KEY))
        end_session("logout")
        provider = providers().by_key(provider_key) if provider_key else None
        if provider is not None:
            # RP-initiated logout: the provider's session ends too, then it sends the browser back.
            try:
                endpoint = oidc_tokens.metadata(provider).get("end_session_endpoint")
            except oidc_tokens.ProviderUnavailable:
                endpoint = None
            if endpoint:
                query = {
                    "client_id": provider.client_id,
                    "post_logout_redirect_uri": url_for("web.login", _external=True),
                }
                if id_token:
                    query["id_token_hint"] = id_token
                # A page that moves on by itself, not a redirect: the policy `form-action 'self'`
                # would block a form post redirected to another origin.
                return render_template(
                    "logged_out.html", provider=provider, url=f"{endpoint}?{urlencode(query)}"
                )
        flash(gettext("You are logged out."), "info")
        return redirect(url_for("web.login"))

    @bp.route("/password", methods=["GET", "POST"])
    @login_required
    def password():
        if not _local_login():
            abort(404)
        actor = current_actor()
        errors = {}
        if request.method == "POST":
            new = request.form.get("new") or ""
            if new != (request.form.get("repeat") or ""):
                errors["repeat"] = gettext("The two new passwords differ.")
            else:
                try:
                    user_id = accounts.change_own_password(actor, request.form.get("current") or "", new)
                except InvalidInput as exc:
                    if "current" in exc.errors:
                        errors["current"] = gettext("The current password is wrong.")
                    else:
                        errors["new"] = gettext(
                            "A password has at least %(n)d characters.", n=accounts.MIN_PASSWORD_LENGTH
                        )
                else:
                    # Every session of this user ended, this browser's too: it gets a new one.
                    start_session(user_id)
                    flash(gettext("Your password is changed; you are logged out everywhere else."), "info")
                    return redirect(url_for("web.inbox"))
        status = 422 if errors else 200
        return render_template(
            "password.html", errors=errors, min_length=accounts.MIN_PASSWORD_LENGTH
        ), status


def _client(provider) -> OAuth2Session:
    return OAuth2Session(
        provider.client_id,
        provider.client_secret,
        scope=" ".join(provider.scopes),
        redirect_uri=url_for("web.sso_callback", provider_key=provider.key, _external=True),
        code_challenge_method="S256",
    )


def _refused(status: int, message: str):
    return render_template("error.html", status=status, message=message), status


def backchannel_blueprint() -> Blueprint:
    """The providers' back-channel logout (no session, no CSRF token: the logout token is the proof)."""
    bp = Blueprint("sso", __name__)

    @bp.post("/sso/<provider_key>/backchannel-logout")
    def backchannel_logout(provider_key):
        provider = providers().by_key(provider_key)
        if provider is None:
            return jsonify(error="invalid_request", error_description="unknown provider"), 400
        try:
            claims = oidc_tokens.verify_logout_token(provider, request.form.get("logout_token") or "")
        except oidc_tokens.TokenRefused as exc:
            return jsonify(error="invalid_request", error_description=exc.reason), 400
        except oidc_tokens.ProviderUnavailable:
            return jsonify(error="temporarily_unavailable"), 503
        sessions.end_by_provider(provider.key, sid=claims.get("sid"), subject=claims.get("sub"))
        response = current_app.response_class(status=200)
        response.headers["Cache-Control"] = "no-store"
        return response

    return bp
