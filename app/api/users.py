"""User life cycle for administrators: deactivate, reactivate, take a group away, revoke."""

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from app.services.access import accounts

from .auth import current_actor
from .openapi import problems

blp = Blueprint(
    "users",
    __name__,
    url_prefix="/api/v1/users",
    description="Deactivate users and take groups away (administrators; every change audited)",
)


class UserStateSchema(Schema):
    username = fields.String()
    active = fields.Boolean()
    sessionsEnded = fields.Integer()
    tokensRevoked = fields.Integer()


class MembershipStateSchema(Schema):
    username = fields.String()
    group = fields.String()
    member = fields.Boolean()


class RevokedSchema(Schema):
    username = fields.String()
    sessionsEnded = fields.Integer()
    tokensRevoked = fields.Integer()


@blp.route("/<username>/deactivate")
class Deactivate(MethodView):
    @blp.response(200, UserStateSchema)
    @problems(blp, 403, 404, 422, body=True)
    def post(self, username):
        """No more logins: every web session and API token of the user ends at once."""
        return accounts.deactivate(username, actor=current_actor())


@blp.route("/<username>/activate")
class Activate(MethodView):
    @blp.response(200, UserStateSchema)
    @problems(blp, 403, 404, 422, body=True)
    def post(self, username):
        """Allow logins again (revoked tokens stay revoked)."""
        return accounts.activate(username, actor=current_actor())


@blp.route("/<username>/groups/<group>")
class Membership(MethodView):
    @blp.response(200, MembershipStateSchema)
    @problems(blp, 403, 404)
    def delete(self, username, group):
        """Take a group away from the user (effective at the user's next request)."""
        return accounts.revoke_group(username, group, actor=current_actor())


@blp.route("/<username>/revoke")
class Revoke(MethodView):
    @blp.response(200, RevokedSchema)
    @problems(blp, 403, 404, 422, body=True)
    def post(self, username):
        """Revoke every API token and end every web session of the user."""
        return accounts.revoke_credentials(username, actor=current_actor())
