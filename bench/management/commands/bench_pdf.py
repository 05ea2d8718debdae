"""Invoice PDFs per second with two worker processes, and a warm render's time against a
one-line PDF rendered the same way. Prints one JSON line."""

import json
import multiprocessing
import statistics
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connections

from billing.models import Invoice
from crm.pdf import pdf_label, render_pdf

HELLO = "<!doctype html><html lang=ru><body><p>Счёт</p></body></html>"


def _render_for(html: str, media: list[str], label: str, seconds: float, queue) -> None:
    render_pdf(html, allowed_media=media, label=label)  # warm: fonts, stylesheet
    done, deadline = 0, time.monotonic() + seconds
    while time.monotonic() < deadline:
        render_pdf(html, allowed_media=media, label=label)
        done += 1
    queue.put(done)


class Command(BaseCommand):
    help = "Замер скорости PDF счетов (make bench)."

    def add_arguments(self, parser):
        parser.add_argument("--seconds", type=float, default=10)
        parser.add_argument("--repeats", type=int, default=7)

    def handle(self, *args, seconds, repeats, **options):
        invoice = Invoice.objects.exclude(token="").order_by("-pk").first()
        if invoice is None:
            raise CommandError("Нет выставленного счёта: сначала bench_prepare.")
        html, media, label = invoice.pdf_html(), invoice.pdf_media(), pdf_label(invoice)
        connections.close_all()

        def timed(document: str) -> float:
            times = []
            render_pdf(document, allowed_media=media, label=label)
            for _ in range(repeats):
                started = time.perf_counter()
                render_pdf(document, allowed_media=media, label=label)
                times.append(time.perf_counter() - started)
            return statistics.median(times) * 1000

        warm_ms, hello_ms = timed(html), timed(HELLO)
        context = multiprocessing.get_context("fork")
        queue = context.Queue()
        workers = [
            context.Process(target=_render_for, args=(html, media, label, seconds, queue))
            for _ in range(2)
        ]
        for worker in workers:
            worker.start()
        total = sum(queue.get() for _ in workers)
        for worker in workers:
            worker.join()
        result = {
            "warm_ms": round(warm_ms, 1),
            "hello_ms": round(hello_ms, 1),
            "per_second_two_workers": round(total / seconds, 2),
            "lines": invoice.lines.count(),
        }
        self.stdout.write(json.dumps(result))
