"""A test-only payment-system plugin for the browser test's server subprocess.

The subprocess cannot see ``bo_register_plugin``; it finds this module through an ordinary
``backoffice.plugins`` entry point that the browser test writes into a temporary directory on
its ``PYTHONPATH``. Nothing in the product knows about it.
"""

from __future__ import annotations

from core.plugins.declarations import PaymentSystem
from core.plugins.fields import Field
from core.plugins.hookspecs import hookimpl
from core.plugins.values import TestResult

BACKOFFICE_API = ">=1,<2"  # the core API it was written for (core.plugins.compat)


class BrowserPay(PaymentSystem):
    key = "browserpay"
    name = "BrowserPay"
    settings_fields = (
        Field("account", "string", "Account", required=True),
        Field("api_key", "secret", "API key", required=True),
        Field("sandbox", "boolean", "Sandbox", default=True),
    )

    async def test_connection(self) -> TestResult:
        """Fails with a long unbroken address, as a real provider's error may: the page's
        notice must wrap on a phone."""
        if self.settings["account"] == "refused":
            url = "https://gateway.example.test/v1/accounts/" + "x" * 180
            return TestResult(False, f"{url} refused the credentials")
        return TestResult(True, "account reachable")


class BrowserFormPay(PaymentSystem):
    """Declared fields beyond the basics: a conditional group with a file upload."""

    key = "browserformpay"
    name = "BrowserFormPay"
    settings_fields = (
        Field("mode", "choice", "Mode", choices=("test", "live"), default="test"),
        Field("methods", "multichoice", "Methods", choices=("card", "sepa")),
        Field(
            "live_key", "secret", "Live key", required=True, show_if=("mode", "live"), group="Live"
        ),
        Field(
            "logo",
            "file",
            "Logo",
            content_types=("image/png",),
            max_size=4096,
            image_size=(4, 4),
            show_if=("mode", "live"),
            group="Live",
        ),
    )


@hookimpl
def register_payment_systems():
    return [BrowserPay, BrowserFormPay]
