"""How a stored file reaches a browser. Media is never public: a view checks who is
asking, then answers with one of these.

- `download()`: a file the person saves or opens on its own (a PDF, a client's upload).
  From a bucket it is a redirect to a signed link to the object, valid for
  MEDIA_SIGNED_URL_SECONDS: the bytes go from the storage to the browser and no web process
  is held for the length of the transfer. A navigation may go to another origin; the link
  is short-lived, and pages send no Referer to other sites. From the local folder the file
  is streamed.
- `picture()`: an image inside one of the project's pages (the logo, a picture of a
  document). Always streamed by the project: the pages' CSP allows images from this origin
  only, and a browser checks every redirect of an <img> against it.
"""

import mimetypes

from django.core.exceptions import SuspiciousOperation
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpResponse, HttpResponseRedirect
from django.utils.cache import patch_cache_control

# Pictures any signed-in user may load by their address under MEDIA_URL, since every staff
# page may show it: the seller's logo (contacts.Seller.logo).
PAGE_PICTURE_FOLDERS = ("seller/",)
# Pictures the head of sales loads by their address, editing the document templates
# (documents.rendering.IMAGES_FOLDER). Anyone else sees one only inside a proposal or
# contract of a deal they see, through that document's own address (documents'
# <kind>_media, the client's <kind>_public_media). Everything else is reached only through
# the view of the object it belongs to.
HEAD_PICTURE_FOLDERS = ("documents/images/",)


def download(name: str, *, filename: str, attachment: bool, content_type: str = "") -> HttpResponse:
    """The stored file `name` (a FileField's .name), for a request that has passed its
    view's access check, offered as `filename`. Raises FileNotFoundError when it is gone."""
    content_type = content_type or mimetypes.guess_type(filename)[0] or "application/octet-stream"
    signed_url = getattr(default_storage, "signed_url", None)
    if signed_url is None:
        return FileResponse(
            default_storage.open(name, "rb"),
            as_attachment=attachment,
            filename=filename,
            content_type=content_type,
        )
    if not default_storage.exists(name):
        raise FileNotFoundError(name)
    response = HttpResponseRedirect(
        signed_url(name, filename=filename, attachment=attachment, content_type=content_type)
    )
    # The link expires: no cache may answer with it later.
    patch_cache_control(response, private=True, no_store=True)
    return response


def picture(name: str) -> FileResponse:
    """An image of the media storage, streamed; 404 when there is none by that name."""
    try:
        handle = default_storage.open(name, "rb")
    except (FileNotFoundError, SuspiciousOperation):
        raise Http404 from None
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    response = FileResponse(handle, content_type=content_type)
    patch_cache_control(response, private=True, max_age=3600)
    return response
