"""The Notion connector passes the connector contract suite (okrsync.testing.contract)."""

from okrsync_notion import create

from okrsync.testing.contract import connector_contract
from okrsync_sandbox.notion import NotionSandbox

from .conftest import ROOT

TestNotionContract = connector_contract(create, NotionSandbox, cassettes=ROOT / "cassettes/notion")
