"""The bill / delivery challan (SPEC §6): the HTML page and the same bill as a PDF."""

import logging
import re
import shutil
import subprocess

import pytest
from django.urls import reverse
from django.utils import timezone

from billing import pdf as bill_pdf_module
from billing import services
from billing.models import Bill, ShopSettings
from customers.tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

EXAMPLE = [
    "John Doe",
    "HP Laptop Pavilion 15",
    "No Power On",
    "₹2,500.00",
    "₹2,000.00",
    "₹500.00",
    "Rupees Two Thousand Five Hundred Only",
]


def _pdf_text(data: bytes, tmp_path) -> str:
    pdftotext = shutil.which("pdftotext")
    if pdftotext is None:
        pytest.fail("pdftotext (Debian package poppler-utils) is needed to read the PDF's text")
    path = tmp_path / "bill.pdf"
    path.write_bytes(data)
    result = subprocess.run(
        [pdftotext, "-layout", str(path), "-"],
        capture_output=True,
        check=True,
        text=True,
    )
    return result.stdout


@pytest.fixture
def shop():
    shop = ShopSettings.load()
    shop.shop_name = "Telite Computers"
    shop.address = "12, 4th Cross, Jayanagar\nBengaluru 560041"
    shop.phone = "+91 80 4123 4567"
    shop.tax_id = "29ABCDE1234F1Z5"
    shop.bill_footer = "Warranty on parts: 90 days."
    shop.save()
    return shop


def test_the_original_example_on_the_bill_page(john_doe, shop, client_for, front_desk):
    device, bill = john_doe
    response = client_for(front_desk).get(reverse("billing:print_bill", args=[device.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    for text in [
        *EXAMPLE,
        bill.number,
        device.job_number,
        "Telite Computers",
        "29ABCDE1234F1Z5",
        "Warranty on parts: 90 days.",
        "Authorised signatory",
        "UPI-778812",
    ]:
        assert text in html, text
    assert "billing/bill.css" in html  # the print stylesheet shared with the PDF


def test_the_original_example_in_the_pdf_text(john_doe, shop, client_for, owner, tmp_path):
    device, bill = john_doe
    response = client_for(owner).get(reverse("billing:bill_pdf", args=[device.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert (
        response["Content-Disposition"]
        == f'attachment; filename="{bill.number.replace("/", "-")}.pdf"'
    )
    assert response.content.startswith(b"%PDF")
    text = _pdf_text(response.content, tmp_path)
    for expected in [*EXAMPLE, bill.number, "Telite Computers", "GSTIN: 29ABCDE1234F1Z5"]:
        assert expected in text, expected


def test_the_pdf_renders_every_character_with_a_real_glyph(john_doe, client_for, owner, caplog):
    device, _ = john_doe
    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        client_for(owner).get(reverse("billing:bill_pdf", args=[device.pk]))
    problems = [r.getMessage() for r in caplog.records if r.name.startswith("weasyprint")]
    assert not [m for m in problems if "glyph" in m.lower()]
    assert not problems, problems


def _upload_logo(shop, colour=(15, 76, 92)) -> bytes:
    import io

    from django.core.files.base import ContentFile
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (120, 60), colour).save(buffer, format="PNG")
    shop.logo.save("logo.png", ContentFile(buffer.getvalue()))
    return buffer.getvalue()


def test_the_bill_page_shows_the_shop_logo_to_staff(john_doe, shop, client_for, technician):
    # Uploaded files have no public URL: the page's <img> must point at a route that
    # serves the logo to a logged-in user, or every bill page shows a broken image.
    logo = _upload_logo(shop)
    device, _ = john_doe
    client = client_for(technician)
    page = client.get(reverse("billing:print_bill", args=[device.pk])).content.decode()
    src = re.search(r'<img class="bill-logo" src="([^"]+)"', page).group(1)

    response = client.get(src.replace("&amp;", "&"))

    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert b"".join(response.streaming_content) == logo


def test_a_new_logo_gets_a_new_address_on_the_bill_page(john_doe, shop, client_for, owner):
    # The logo is cached by browsers for a day: a replaced logo must not show the old one.
    device, _ = john_doe
    client = client_for(owner)
    url = reverse("billing:print_bill", args=[device.pk])
    _upload_logo(shop)
    first = re.search(r'class="bill-logo" src="([^"]+)"', client.get(url).content.decode())
    _upload_logo(shop)
    second = re.search(r'class="bill-logo" src="([^"]+)"', client.get(url).content.decode())

    assert first.group(1) != second.group(1)


def test_a_worker_with_stale_settings_serves_the_new_logo_it_is_asked_for(shop, client_for, owner):
    # Another worker rendered the page after an upload; this one's copy of the settings
    # (kept up to a minute) still names the old file. The browser keeps what it gets under
    # the new address for a day, so it must get the new logo.
    import time

    from billing import models as billing_models

    _upload_logo(shop)
    stale = billing_models.ShopSettings.objects.get(pk=1)
    new_logo = _upload_logo(shop, colour=(200, 30, 30))
    new_name = billing_models.ShopSettings.objects.get(pk=1).logo.name
    billing_models._shop_settings_cache["row"] = (time.monotonic(), stale)

    response = client_for(owner).get(reverse("billing:shop_logo"), {"v": new_name})

    assert response.status_code == 200
    assert response["Cache-Control"] == "private, max-age=86400"
    assert b"".join(response.streaming_content) == new_logo


def test_without_a_logo_its_address_is_not_found(client_for, owner, shop):
    response = client_for(owner).get(reverse("billing:shop_logo"))

    assert response.status_code == 404


def test_the_pdf_loads_the_shop_logo_from_disk(john_doe, shop, client_for, owner, caplog, settings):
    _upload_logo(shop)
    device, _ = john_doe
    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        response = client_for(owner).get(reverse("billing:bill_pdf", args=[device.pk]))
    assert response.status_code == 200
    assert not [r for r in caplog.records if "Failed to load" in r.getMessage()]
    assert b"/Subtype /Image" in response.content


def test_an_unchanged_bill_is_rendered_once_and_reused(john_doe, client_for, owner, monkeypatch):
    device, bill = john_doe
    calls = []
    real = bill_pdf_module.render_bill_pdf
    monkeypatch.setattr(
        bill_pdf_module, "render_bill_pdf", lambda ctx: calls.append(1) or real(ctx)
    )
    client = client_for(owner)
    url = reverse("billing:bill_pdf", args=[device.pk])
    first = client.get(url).content
    second = client.get(url).content
    assert len(calls) == 1
    assert first == second
    bill.refresh_from_db()
    assert bill.pdf_version == bill.version and bill.pdf_file

    # A payment changes the bill: the next download renders the new version.
    services.payment_record(device=device, amount="500", mode="cash", by=owner)
    third = client.get(url).content
    assert len(calls) == 2
    assert third != first
    bill.refresh_from_db()
    assert bill.pdf_version == bill.version


@pytest.mark.parametrize("edit", ["customer", "shop"])
def test_the_pdf_follows_the_customer_and_shop_details_the_bill_page_shows(
    edit, john_doe, shop, client_for, owner, tmp_path
):
    device, bill = john_doe
    client = client_for(owner)
    url = reverse("billing:bill_pdf", args=[device.pk])
    client.get(url)  # stored
    if edit == "customer":
        customer = device.customer
        customer.name = "Jonathan Doe-Fernandes"
        customer.save()
        shown = "Jonathan Doe-Fernandes"
    else:
        shop.tax_id = "29ZZZZZ9999Z9Z9"
        shop.save()
        shown = "GSTIN: 29ZZZZZ9999Z9Z9"

    text = _pdf_text(client.get(url).content, tmp_path)
    page = client.get(reverse("billing:print_bill", args=[device.pk])).content.decode()

    assert shown in text
    assert shown in page
    bill.refresh_from_db()
    repeat = client.get(url).content  # stored again, under the new details
    assert shown in _pdf_text(repeat, tmp_path)
    assert bill.pdf_is_current(bill.pdf_stamp) and bill.pdf_version == bill.version


def test_a_stale_render_is_not_marked_current(john_doe, owner):
    device, bill = john_doe
    services.payment_record(device=device, amount="100", mode="cash", by=owner)  # version moves on
    from billing.views.bills import bill_context

    bill_pdf_module.bill_pdf_bytes(bill, bill_context(bill))  # rendered for the old version
    fresh = Bill.objects.get(pk=bill.pk)
    assert fresh.pdf_version != fresh.version
    assert not fresh.pdf_file


def test_a_reopened_device_shows_its_void_bill_marked_void(john_doe, client_for, manager):
    device, bill = john_doe
    services.reopen_device(device=device, by=manager, reason="Screen flicker found in testing")
    html = client_for(manager).get(reverse("billing:print_bill", args=[device.pk])).content.decode()
    assert "VOID" in html
    assert "Screen flicker found in testing" in html
    assert "Change bill" not in html


def test_the_live_bill_is_shown_rather_than_the_void_one(john_doe, client_for, manager, technician):
    device, old = john_doe
    services.reopen_device(device=device, by=manager, reason="Retest")
    new = services.bill_close(device=device, by=technician)
    response = client_for(manager).get(reverse("billing:print_bill", args=[device.pk]))
    assert response.context["bill"].pk == new.pk
    assert new.number != old.number


def test_a_device_without_a_bill_has_no_bill_page(make_device, client_for, front_desk):
    device = make_device(labour="100")
    assert (
        client_for(front_desk).get(reverse("billing:print_bill", args=[device.pk])).status_code
        == 404
    )
    assert (
        client_for(front_desk).get(reverse("billing:bill_pdf", args=[device.pk])).status_code == 404
    )


def test_original_routes_work_with_and_without_a_trailing_slash(john_doe, client_for, front_desk):
    device, _ = john_doe
    client = client_for(front_desk)
    assert client.get(f"/print_bill/{device.pk}").status_code == 200
    assert client.get(f"/print_bill/{device.pk}/").status_code == 200
    assert client.get("/delivery_ready/").status_code == 200
    assert client.get("/closed_devices/").status_code == 200


def test_the_pdf_totals_read_cleanly_with_nothing_stray_beside_them(
    john_doe, shop, client_for, owner, tmp_path
):
    # An e2e run once read "Balance ₹0500.00": each totals line must hold its label and
    # its amount and nothing else (no overlapping run, no stray glyph).
    device, _ = john_doe
    response = client_for(owner).get(reverse("billing:bill_pdf", args=[device.pk]))
    lines = [" ".join(line.split()) for line in _pdf_text(response.content, tmp_path).splitlines()]
    for label, amount in [
        ("Total", "₹2,500.00"),
        ("Amount received", "₹2,000.00"),
        ("Balance", "₹500.00"),
    ]:
        assert f"{label} {amount}" in lines, [line for line in lines if label in line]


def test_a_repeat_download_reads_the_bill_row_and_the_stored_file_only(
    john_doe, client_for, owner, django_assert_max_num_queries
):
    device, _bill = john_doe
    client = client_for(owner)
    url = reverse("billing:bill_pdf", args=[device.pk])
    first = client.get(url)
    with django_assert_max_num_queries(4) as queries:
        again = client.get(url)
    # Session, user, the bill row: no lines, payments, refunds or changes.
    assert not [q for q in queries.captured_queries if "billing_billline" in q["sql"]]
    assert again.content == first.content
    assert again["Content-Disposition"] == first["Content-Disposition"]


def test_the_bill_page_is_rendered_once_per_change_of_what_it_prints(
    john_doe, shop, client_for, owner, front_desk, django_assert_max_num_queries
):
    """The page's body is kept per version of the bill, device, customer and shop: a
    second visit reads the bill row only, and every kind of change shows at once."""
    device, bill = john_doe
    client = client_for(front_desk)
    url = reverse("billing:print_bill", args=[device.pk])
    client.get(url)
    with django_assert_max_num_queries(3):  # session, user, the bill with its device
        again = client.get(url).content.decode()
    assert "John Doe" in again and "₹500.00" in again

    services.payment_record(device=device, amount="500", mode="cash", by=front_desk)
    assert "Rupees Two Thousand Five Hundred Only" in client.get(url).content.decode()
    page = client.get(url).content.decode()
    assert page.count("₹0.00") >= 1 and "Paid" in page  # the payment, at once

    customer = device.customer
    customer.name = "John D'Souza"
    customer.save()
    assert "John D&#x27;Souza" in client.get(url).content.decode()  # the customer's edit

    shop.shop_name = "Telite Computers & Repairs"
    shop.save()
    assert "Telite Computers &amp; Repairs" in client.get(url).content.decode()

    services.delivery_complete(device=device, by=front_desk)
    assert "Delivered " in client.get(url).content.decode()  # the delivery date


def test_a_delivery_makes_a_new_pdf_with_the_delivery_date(
    john_doe, client_for, owner, front_desk, tmp_path
):
    device, bill = john_doe
    services.payment_record(device=device, amount="500", mode="cash", by=front_desk)
    client = client_for(owner)
    url = reverse("billing:bill_pdf", args=[device.pk])
    assert "Delivered" not in _pdf_text(client.get(url).content, tmp_path)
    services.delivery_complete(device=device, by=front_desk)
    assert "Delivered" in _pdf_text(client.get(url).content, tmp_path)


def test_a_renamed_person_shows_on_the_bill_page_and_in_a_new_pdf(
    john_doe, client_for, owner, front_desk, tmp_path
):
    """The bill prints the technician and who took each payment: renaming either gives
    the bill a new version (its cached page body and stored PDF are made again)."""
    device, bill = john_doe
    client = client_for(owner)
    page_url = reverse("billing:print_bill", args=[device.pk])
    pdf_url = reverse("billing:bill_pdf", args=[device.pk])
    client.get(page_url), client.get(pdf_url)
    technician = device.assigned_to
    technician.first_name, technician.last_name = "Zubin", "Mehta"
    technician.save()
    assert "Zubin Mehta" in client.get(page_url).content.decode()
    assert "Zubin Mehta" in _pdf_text(client.get(pdf_url).content, tmp_path)

    taker = bill.payments.first().received_by
    taker.first_name, taker.last_name = "Nandini", "Rao"
    taker.save()
    assert "Nandini Rao" in client.get(page_url).content.decode()


def test_saving_a_person_without_renaming_keeps_their_bills_as_they_are(john_doe):
    """A login saves last_login only; an unrelated change renames nobody: the bills keep
    their version (and their stored PDF)."""
    device, bill = john_doe
    before = Bill.objects.get(pk=bill.pk).version
    technician = device.assigned_to
    technician.last_login = timezone.now()
    technician.save(update_fields=["last_login"])
    technician.phone_number = "+919845099999"
    technician.save()
    assert Bill.objects.get(pk=bill.pk).version == before


def _text_boxes(document):
    """Every laid-out run of text on each page, with the page's content box."""
    from weasyprint.formatting_structure.boxes import TextBox

    for page in document.pages:
        root = page._page_box.children[0]
        for box in root.descendants():
            if isinstance(box, TextBox):
                yield root, box


def test_a_long_unbroken_serial_and_name_wrap_inside_the_pdf_page(make_device, technician):
    from billing.views.bills import bill_context

    serial = "SN" + "7" * 118
    customer = CustomerFactory(name="Ananthapadmanabhan" * 5)
    device = make_device(labour="500.00", serial_number=serial, customer=customer)
    bill = services.bill_close(device=device, by=technician)

    document = bill_pdf_module.lay_out_bill(bill_context(bill))

    boxes = list(_text_boxes(document))
    assert len(document.pages) == 1
    assert serial in "".join(box.text for _, box in boxes).replace(" ", "")
    overflowing = [
        box.text
        for root, box in boxes
        if box.position_x + box.width > root.position_x + root.width + 0.5
    ]
    assert not overflowing


def test_line_numbers_of_two_digits_stay_on_one_line(make_device, technician):
    from billing.views.bills import bill_context

    parts = [(f"Part {n}", 1, "100.00") for n in range(1, 12)]
    device = make_device(labour="500.00", parts=parts)
    bill = services.bill_close(device=device, by=technician)

    document = bill_pdf_module.lay_out_bill(bill_context(bill))

    texts = {box.text for _, box in _text_boxes(document)}
    assert {"10", "11", "12"} <= texts


def test_bills_are_laid_out_without_weasyprints_unused_pseudo_element_rules(john_doe, monkeypatch):
    # The lean user-agent sheet is WeasyPrint's own less the rules for ::marker,
    # ::footnote-* and ::note-* that match every element; WeasyPrint must still ask the
    # document for its sheet, or the saving is silently gone after an upgrade.
    from weasyprint import html as weasyprint_html

    from billing.views.bills import bill_context

    _, bill = john_doe
    asked = []
    original = bill_pdf_module.BillHTML._ua_stylesheets
    monkeypatch.setattr(
        bill_pdf_module.BillHTML,
        "_ua_stylesheets",
        lambda self, forms=False: asked.append(forms) or original(self, forms),
    )
    document = bill_pdf_module.lay_out_bill(bill_context(bill))

    assert asked
    assert len(document.pages) == 1
    lean = bill_pdf_module._UNUSED_PSEUDO_RULE.sub("", weasyprint_html.UA).splitlines()
    dropped = set(weasyprint_html.UA.splitlines()) - set(lean)
    assert dropped
    assert all(line.startswith("::") for line in dropped)
    assert not [line for line in lean if line.startswith("::")]


def test_a_long_bills_later_pages_say_whose_bill_they_continue(make_device, technician, tmp_path):
    from billing.views.bills import bill_context

    parts = [(f"Spare part number {n}", 1, "100.00") for n in range(1, 61)]
    bill = services.bill_close(device=make_device(labour="500.00", parts=parts), by=technician)
    context = bill_context(bill)
    pages = len(bill_pdf_module.lay_out_bill(context).pages)
    assert pages > 1
    path = tmp_path / "long.pdf"
    path.write_bytes(bill_pdf_module.render_bill_pdf(context))

    def page(number):
        args = ["pdftotext", "-f", str(number), "-l", str(number), "-layout", str(path), "-"]
        return subprocess.run(args, capture_output=True, check=True, text=True).stdout

    assert "(continued)" not in page(1)
    for number in range(2, pages + 1):
        assert f"Bill {bill.number} (continued)" in page(number), number


def test_an_inspection_bill_is_signed_for_a_device_back_unrepaired(
    make_device, client_for, front_desk
):
    device = make_device()
    services.payment_record(device=device, amount="500", mode="upi", by=front_desk)
    services.return_unrepaired(
        device=device, by=front_desk, reason="Declined", inspection_charge="300", refund_mode="upi"
    )
    page = client_for(front_desk).get(reverse("billing:print_bill", args=[device.pk])).text
    assert "Received the device back, not repaired" in page
    assert "in good condition" not in page
    # The refund of the advance's rest is listed with its reason under a heading that fits.
    assert "Reference or reason" in page and "Refund, UPI" in page


@pytest.mark.parametrize("length", [1760, 2000])
def test_a_long_account_of_the_work_starts_on_the_first_page_and_runs_over(
    make_device, technician, tmp_path, length
):
    from billing.views.bills import bill_context
    from devices.models import Service

    device = make_device(labour="450", parts=[("Hinge", 1, "10.00")])
    work = ("Replaced many things. " * 100)[:length].strip()
    Service.objects.filter(device=device).update(work_done=work)
    bill = services.bill_close(device=device, by=technician)
    path = tmp_path / "bill.pdf"
    path.write_bytes(bill_pdf_module.render_bill_pdf(bill_context(bill)))
    first = subprocess.run(
        ["pdftotext", "-f", "1", "-l", "1", "-layout", str(path), "-"],
        capture_output=True,
        check=True,
        text=True,
    ).stdout
    # Not a first page of headers alone with every line pushed to the next.
    assert "Labour: Replaced many things." in first
