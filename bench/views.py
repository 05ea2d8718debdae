from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse


@login_not_required
def hello(request):
    """A fixed response through the full middleware stack: the ceiling each page is
    measured against."""
    return HttpResponse("ok", content_type="text/plain")
