"""The Confluence connector passes the connector contract suite, on Cloud and Data Center."""

from functools import partial

from okrsync_confluence import create

from okrsync.testing.contract import connector_contract
from okrsync_sandbox.confluence import ConfluenceSandbox

from .site import ROOT

OPTIONS = {"managed_properties": True}  # outputs on the OKR pages, not only review pages
CASSETTES = ROOT / "cassettes/confluence"

TestCloudContract = connector_contract(
    create, ConfluenceSandbox, options=OPTIONS, cassettes=CASSETTES
)
TestDataCenterContract = connector_contract(
    create,
    partial(ConfluenceSandbox, deployment="datacenter"),
    options=OPTIONS,
    cassettes=CASSETTES,
)
