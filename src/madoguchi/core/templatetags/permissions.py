"""{% load permissions %}{% if_can "manage" lottery %}…{% else %}…{% endif_can %}: show a link
or button only to those the one permission check (``core.permissions.can``) allows, so that
pages never offer an action the role cannot use. The user is the request's."""

from django import template

from madoguchi.core.permissions import can

register = template.Library()


class IfCanNode(template.Node):
    def __init__(self, action, obj, nodelist_true, nodelist_false):
        self.action, self.obj = action, obj
        self.nodelist_true, self.nodelist_false = nodelist_true, nodelist_false

    def render(self, context):
        request = context.get("request")
        user = getattr(request, "user", None) or context.get("user")
        action = self.action.resolve(context)
        obj = self.obj.resolve(context) if self.obj is not None else None
        allowed = bool(user and user.is_authenticated and can(user, action, obj))
        return (self.nodelist_true if allowed else self.nodelist_false).render(context)


@register.tag
def if_can(parser, token):
    bits = token.split_contents()
    if len(bits) not in (2, 3):
        raise template.TemplateSyntaxError('{% if_can "action" [object] %} takes an action and optionally an object')
    action = parser.compile_filter(bits[1])
    obj = parser.compile_filter(bits[2]) if len(bits) == 3 else None
    nodelist_true = parser.parse(("else", "endif_can"))
    token = parser.next_token()
    if token.contents == "else":
        nodelist_false = parser.parse(("endif_can",))
        parser.delete_first_token()
    else:
        nodelist_false = template.NodeList()
    return IfCanNode(action, obj, nodelist_true, nodelist_false)
