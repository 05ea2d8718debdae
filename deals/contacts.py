"""Who sees which contact person. Lives in deals because the rule rests on
Deal.objects.visible_to: a contact serves deals, and whoever may see one of those deals may
see it; so may the manager who created it, and the head of sales sees every contact. The
duplicate offer on a deal card, linking and the website intake go through it."""

from django.db.models import Exists, OuterRef, Q, QuerySet

from contacts.models import Contact

from .models import Deal


def contacts_visible_to(user) -> QuerySet[Contact]:
    """THE access rule for contact persons."""
    if not user.is_authenticated:
        return Contact.objects.none()
    if user.is_head:
        return Contact.objects.all()
    sees_a_deal = Exists(Deal.objects.visible_to(user).filter(contacts=OuterRef("pk")))
    return Contact.objects.filter(Q(created_by=user) | sees_a_deal)


def responsible_for(contacts: QuerySet[Contact]):
    """Whom to ask about contacts one may not see: the responsible manager of the newest
    deal among them, else the one who created the first; None when nobody is known. Says
    nothing of the contacts or the deals themselves."""
    deal = (
        Deal.objects.filter(contacts__in=contacts)
        .select_related("manager")
        .order_by("-created_at", "-pk")
        .first()
    )
    if deal is not None:
        return deal.manager
    first = contacts.exclude(created_by=None).select_related("created_by").order_by("pk").first()
    return first.created_by if first is not None else None
