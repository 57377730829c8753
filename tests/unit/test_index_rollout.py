"""Stack updates that add several indexes to a table go one index per table per update
(CloudFormation's limit), through intermediate templates of the release's own template."""
from __future__ import annotations

import json

from chalicelib.cli.deploy import TEMPLATE, template_body
from chalicelib.cli.index_rollout import TABLE, staged_templates


def _template() -> dict:
    return json.loads(template_body(TEMPLATE))


def _indexes(template: dict, table: str) -> list[str]:
    return [index["IndexName"] for index in template["Resources"][table]["Properties"].get("GlobalSecondaryIndexes", [])]


def _live(template: dict) -> dict[str, set[str]]:
    return {name: set(_indexes(template, name)) for name, resource in template["Resources"].items()
            if resource["Type"] == TABLE}


def test_a_stack_whose_tables_have_every_index_needs_no_intermediate_step():
    template = _template()
    assert staged_templates(template, _live(template)) == []


def test_a_new_stack_or_a_new_table_is_created_with_all_its_indexes_at_once():
    template = _template()
    assert staged_templates(template, {}) == []
    live = _live(template)
    del live["PractitionersTable"]
    assert staged_templates(template, live) == []


def test_two_new_indexes_on_two_tables_take_one_intermediate_update_adding_one_to_each():
    template = _template()
    live = {**_live(template), "PractitionersTable": set(), "AuditTable": set()}
    [step] = staged_templates(template, live)
    assert _indexes(step, "PractitionersTable") == ["by_certificate_no"]
    assert _indexes(step, "AuditTable") == ["by_actor"]
    assert _indexes(step, "ApplicationsTable") == _indexes(template, "ApplicationsTable")
    definitions = {d["AttributeName"] for d in step["Resources"]["PractitionersTable"]["Properties"]["AttributeDefinitions"]}
    assert definitions == {"id_number", "certificate_no"}  # `name` only once by_name is there
    assert _indexes(template, "PractitionersTable") == ["by_certificate_no", "by_name"]  # the release's, untouched


def test_a_table_gaining_three_indexes_takes_two_intermediate_updates_of_one_index_each():
    template = _template()
    live = {**_live(template), "ApplicationsTable": set()}
    steps = staged_templates(template, live)
    assert [_indexes(step, "ApplicationsTable") for step in steps] == [["by_applicant"], ["by_applicant", "by_queue"]]
    first = {d["AttributeName"] for d in steps[0]["Resources"]["ApplicationsTable"]["Properties"]["AttributeDefinitions"]}
    assert first == {"application_id", "id_number", "created_sort"}
