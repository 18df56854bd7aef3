"""The workflow directory loader: Knock CLI's layout (workflow.json plus ``@`` files, two
levels deep), the definitions it makes, and errors that name the file and the field."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from knockkit.testing.engine import (
    BatchStep,
    BranchStep,
    ChannelStep,
    Condition,
    ConditionGroup,
    DelayStep,
    Duration,
    FetchStep,
    ThrottleStep,
    UnsupportedStep,
    UpdateDataStep,
    WorkflowFileError,
    load_workflow,
    load_workflows,
)

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "knock" / "workflows"


def write(root: Path, key: str, document: Any, files: dict[str, str] | None = None) -> Path:
    directory = root / key
    directory.mkdir(parents=True)
    text = document if isinstance(document, str) else json.dumps(document)
    (directory / "workflow.json").write_text(text, encoding="utf-8")
    for name, content in (files or {}).items():
        (directory / name).parent.mkdir(parents=True, exist_ok=True)
        (directory / name).write_text(content, encoding="utf-8")
    return directory


def email_step(**template: Any) -> dict[str, Any]:
    return {"ref": "email_1", "type": "channel", "channel_key": "postmark",
            "template": {"subject": "Hi", "html_body": "<p>x</p>", **template}}  # fmt: skip


def test_the_cli_layout_joins_files_two_levels_deep(tmp_path: Path) -> None:
    """The reader test fixture of knock-cli: text_body and visual_blocks from files, and a
    block's content from a file referenced relative to visual_blocks.json."""
    write(tmp_path, "my-cool-workflow", {
        "name": "My cool workflow",
        "steps": [{
            "channel_key": "email-postmark", "ref": "email_1", "type": "channel",
            "template": {
                "settings": {"layout_key": "default"}, "subject": "You've got mail!",
                "text_body@": "email_1/text_body.txt", "visual_blocks@": "email_1/visual_blocks.json",
            },
        }],
        "__readonly": {"key": "my-cool-workflow", "active": False, "valid": True},
    }, {
        "email_1/text_body.txt": "foo",
        "email_1/visual_blocks.json": json.dumps(
            [{"type": "markdown", "variant": "default", "version": 1, "content@": "visual_blocks/1.content.md"}]
        ),
        "email_1/visual_blocks/1.content.md": "bar",
    })  # fmt: skip
    workflows = load_workflows(tmp_path)
    assert list(workflows) == ["my-cool-workflow"]
    workflow = workflows["my-cool-workflow"]
    assert workflow.name == "My cool workflow" and workflow.path == tmp_path / "my-cool-workflow"
    (step,) = workflow.steps
    assert isinstance(step, ChannelStep)
    assert (step.ref, step.channel_type, step.channel_key) == ("email_1", "email", "email-postmark")
    assert step.template["text_body"] == "foo"
    assert step.template["visual_blocks"][0]["content"] == "bar"
    assert step.template["visual_blocks@"] == "email_1/visual_blocks.json"
    assert step.template["visual_blocks"][0]["content@"] == "email_1/visual_blocks/1.content.md"
    assert step.template_files == {
        "text_body": "email_1/text_body.txt",
        "visual_blocks": "email_1/visual_blocks.json",
        "visual_blocks[0].content": "email_1/visual_blocks/1.content.md",
    }


def test_every_step_type_and_workflow_setting(tmp_path: Path) -> None:
    write(tmp_path, "digest", {
        "name": "Digest", "categories": ["collaboration", "digest"], "description": "d",
        "settings": {"is_commercial": True, "override_preferences": True},
        "trigger_frequency": "once_per_recipient_per_tenant",
        "conditions": {"any": [{"variable": "data.go", "operator": "equal_to", "argument": "true"},
                               {"all": [{"variable": "recipient.plan", "operator": "not_empty"}]}]},
        "steps": [
            {"ref": "delay_1", "type": "delay", "settings": {"delay_for": {"unit": "minutes", "value": 5}}},
            {"ref": "batch_1", "type": "batch", "settings": {
                "batch_key": "page_id", "batch_window": {"unit": "hours", "value": 1}, "batch_window_type": "sliding",
                "batch_window_extension_limit": {"unit": "days", "value": 1}, "batch_order": "desc",
                "batch_items_max_limit": 20, "batch_items_render_limit": 5, "batch_execution_mode": "flush_leading"}},
            {"ref": "throttle_1", "type": "throttle", "settings": {"throttle_window_field_path": "data.until",
                                                                    "throttle_limit": 3}},
            {"ref": "fetch_1", "type": "http_fetch", "settings": {
                "method": "POST", "url": "https://x.test/{{ recipient.id }}", "body": "{}",
                "headers": [{"key": "X-Token", "value": "{{ vars.token }}"}], "query_params": "{\"a\": 1}"}},
            {"ref": "update_1", "type": "update_data", "settings": {"data": {"seen": True}}},
            {"ref": "branch_1", "type": "branch", "branches": [
                {"name": "Pro", "terminates": True,
                 "conditions": {"all": [{"variable": "recipient.plan", "operator": "equal_to", "argument": "pro"}]},
                 "steps": [{"ref": "sms_1", "type": "channel", "template": {"text_body": "hi"}}]},
                {"name": "Default", "steps": []},
            ]},
            {"ref": "ai_1", "type": "ai_agent", "settings": {"model": "x"}},
        ],
    })  # fmt: skip
    workflow = load_workflow(tmp_path / "digest")
    assert (workflow.key, workflow.categories, workflow.commercial, workflow.override_preferences) == (
        "digest", ("collaboration", "digest"), True, True)  # fmt: skip
    assert workflow.trigger_frequency == "once_per_recipient_per_tenant"
    assert workflow.conditions == ConditionGroup(mode="any", items=(
        Condition(variable="data.go", operator="equal_to", argument="true"),
        ConditionGroup(mode="all", items=(Condition(variable="recipient.plan", operator="not_empty"),)),
    ))  # fmt: skip
    delay, batch, throttle, fetch, update, branch, ai = workflow.steps
    assert delay == DelayStep(ref="delay_1", delay_for=Duration(value=5, unit="minutes"))
    assert batch == BatchStep(
        ref="batch_1", window=Duration(value=1, unit="hours"), window_type="sliding",
        extension_limit=Duration(value=1, unit="days"), batch_key="page_id", order="desc", max_activities=20,
        render_limit=5, flush_leading=True,
    )  # fmt: skip
    assert throttle == ThrottleStep(ref="throttle_1", window_field_path="data.until", limit=3)
    assert fetch == FetchStep(
        ref="fetch_1", method="post", url="https://x.test/{{ recipient.id }}",
        headers=(("X-Token", "{{ vars.token }}"),), query_params='{"a": 1}', body="{}",
    )  # fmt: skip
    assert update == UpdateDataStep(ref="update_1", data='{"seen": true}')
    assert isinstance(branch, BranchStep) and [b.name for b in branch.branches] == ["Pro", "Default"]
    assert branch.branches[0].terminates and not branch.branches[1].terminates
    assert branch.branches[1].conditions is None and branch.branches[1].steps == ()
    (sms,) = branch.branches[0].steps
    assert isinstance(sms, ChannelStep) and sms.channel_type == "sms"
    assert ai == UnsupportedStep(ref="ai_1", type="ai_agent", settings={"model": "x"})
    assert [s.ref for s in workflow.walk()] == [
        "delay_1", "batch_1", "throttle_1", "fetch_1", "update_1", "branch_1", "sms_1", "ai_1"]  # fmt: skip
    assert workflow.step("sms_1") is sms
    with pytest.raises(KeyError, match="no step with ref 'nope'"):
        workflow.step("nope")


@pytest.mark.parametrize(
    ("step", "expected"),
    [
        ({"ref": "notify", "type": "channel", "channel_type": "push", "template": {"text_body": "x"}}, "push"),
        ({"ref": "in_app_feed_2", "type": "channel", "template": {"markdown_body": "x"}}, "in_app_feed"),
        ({"ref": "webhook_1", "type": "channel", "template": {}}, "http"),
        ({"ref": "a", "type": "channel", "template": {"subject": "s", "html_body": "b"}}, "email"),
        ({"ref": "b", "type": "channel", "template": {"title": "t", "text_body": "b"}}, "push"),
        ({"ref": "c", "type": "channel", "template": {"markdown_body": "m", "action_url": "u"}}, "in_app_feed"),
        ({"ref": "d", "type": "channel", "template": {"json_body": "{}"}}, "chat"),
        ({"ref": "e", "type": "channel", "template": {"text_body": "t", "settings": {}}}, "sms"),
        ({"ref": "f", "type": "channel", "channel_key": "my-slack", "template": {"markdown_body": "m"}}, "chat"),
    ],
)
def test_the_channel_type_comes_from_the_step_the_channel_key_the_ref_or_the_template(
    tmp_path: Path, step: dict[str, Any], expected: str
) -> None:
    write(tmp_path, "wf", {"steps": [step]})
    (loaded,) = load_workflow(tmp_path / "wf", channel_types={"my-slack": "chat"}).steps
    assert isinstance(loaded, ChannelStep) and loaded.channel_type == expected


def test_a_single_workflow_directory_and_an_explicit_key(tmp_path: Path) -> None:
    directory = write(tmp_path, "welcome", {"steps": []})
    assert list(load_workflows(directory)) == ["welcome"]
    assert load_workflow(directory, key="hello").key == "hello"


def test_an_inline_field_wins_over_its_file_reference(tmp_path: Path) -> None:
    write(tmp_path, "wf", {"steps": [email_step(**{"html_body@": "missing.html"})]})
    (step,) = load_workflow(tmp_path / "wf").steps
    assert isinstance(step, ChannelStep) and step.template["html_body"] == "<p>x</p>"


def test_directories_without_workflow_json_are_ignored_and_an_empty_tree_is_refused(tmp_path: Path) -> None:
    (tmp_path / "notes").mkdir()
    with pytest.raises(ValueError, match="holds no workflow directories"):
        load_workflows(tmp_path)
    write(tmp_path, "wf", {"steps": []})
    assert list(load_workflows(tmp_path)) == ["wf"]
    with pytest.raises(ValueError, match="does not exist"):
        load_workflows(tmp_path / "absent")
    with pytest.raises(ValueError, match=r"has no workflow\.json"):
        load_workflow(tmp_path / "notes")


BAD = [
    ("{ not json", "", "is not valid JSON: Expecting property name enclosed in double quotes at line 1 column 3"),
    ([], "", "must hold a JSON object"),
    ({}, "steps", "is required"),
    ({"steps": {}}, "steps", "must be a list, not an object"),
    ({"steps": [{"ref": "x"}]}, "steps[0].type", "is required"),
    ({"steps": [{"type": "delay"}]}, "steps[0].ref", "is required"),
    ({"steps": [{"type": "delay", "ref": "d", "settings": {}}]}, "steps[0].settings.delay_for",
     "a delay step needs delay_for or delay_until_field_path"),
    ({"steps": [{"type": "delay", "ref": "d", "settings": {"delay_for": {"unit": "fortnights", "value": 1}}}]},
     "steps[0].settings.delay_for.unit",
     "must be one of seconds, minutes, hours, days, weeks, months, not 'fortnights'"),
    ({"steps": [{"type": "delay", "ref": "d", "settings": {"delay_for": {"unit": "days", "value": "1"}}}]},
     "steps[0].settings.delay_for.value", "must be a number of days (0 or more), not '1'"),
    ({"steps": [{"type": "batch", "ref": "b", "settings": {"batch_window": {"unit": "days", "value": 1},
                                                           "batch_items_max_limit": 1}}]},
     "steps[0].settings.batch_items_max_limit", "must be a whole number from 2 to 1000, not 1"),
    ({"steps": [{"type": "throttle", "ref": "t", "settings": {"throttle_limit": 2}}]},
     "steps[0].settings.throttle_window", "a throttle step needs throttle_window or throttle_window_field_path"),
    ({"steps": [{"type": "branch", "ref": "b", "branches": []}]}, "steps[0].branches",
     "a branch step needs at least one branch"),
    ({"steps": [{"type": "branch", "ref": "b", "branches": [{"steps": [{"type": "delay", "ref": "b"}]}]}]},
     "steps[0].branches[0].steps[0].ref", "'b' is used by another step (refs are unique per workflow)"),
    ({"steps": [{"type": "http_fetch", "ref": "f", "settings": {"url": "u", "method": "TRACE"}}]},
     "steps[0].settings.method", "must be one of get, post, put, delete, patch, not 'trace'"),
    ({"steps": [{"type": "channel", "ref": "notify", "channel_key": "postmark", "template": {"markdown_body": "x"}}]},
     "steps[0].channel_type", "cannot tell the channel type of step 'notify' (channel_key 'postmark'); add "
     '"channel_type": one of email, sms, push, chat, in_app_feed, http, in_app_guide'),
    ({"steps": [{"type": "channel", "ref": "email_1", "template": {"subject": "s"}}]},
     "steps[0].template.html_body", "an email template needs html_body or visual_blocks"),
    ({"steps": [{"type": "channel", "ref": "sms_1", "template": {"text_body": 5}}]},
     "steps[0].template.text_body", "must be a string, not 5"),
    ({"steps": [{"type": "channel", "ref": "in_app_feed_1", "template": {"markdown_body": "m",
                                                                         "action_buttons": [{"label": "Go"}]}}]},
     "steps[0].template.action_buttons[0].action", "is required"),
    ({"steps": [{"type": "delay", "ref": "d", "settings": {"delay_for": {"unit": "days", "value": 1}},
                 "conditions": {"all": [{"variable": "data.x", "operator": "roughly"}]}}]},
     "steps[0].conditions.all[0].operator", "must be one of equal_to, not_equal_to,"),
    ({"steps": [], "conditions": {"all": [], "any": []}}, "conditions",
     'conditions need exactly one of "all" or "any"'),
    ({"steps": [], "categories": ["a", 1]}, "categories[1]", "must be a string, not 1"),
    ({"steps": [], "trigger_frequency": "daily"}, "trigger_frequency", "must be one of every_trigger,"),
    ({"steps": [], "settings": {"is_commercial": "yes"}}, "settings.is_commercial", "must be true or false, not 'yes'"),
]  # fmt: skip


@pytest.mark.parametrize(("document", "field", "problem"), BAD)
def test_a_malformed_workflow_json_names_the_file_and_the_field(
    tmp_path: Path, document: Any, field: str, problem: str
) -> None:
    write(tmp_path, "wf", document)
    with pytest.raises(WorkflowFileError) as caught:
        load_workflows(tmp_path)
    error = caught.value
    assert isinstance(error, ValueError)
    assert (error.path, error.field) == (str(tmp_path / "wf" / "workflow.json"), field)
    assert error.problem.startswith(problem)
    assert str(error).startswith(f"{tmp_path / 'wf' / 'workflow.json'}: {field + ': ' if field else ''}{problem}")


INSIDE = "must be a relative path to a file inside the workflow directory"


@pytest.mark.parametrize(
    ("reference", "files", "problem"),
    [
        ("../other/x.html", {}, f"{INSIDE}, not '../other/x.html'"),
        ("/etc/passwd", {}, f"{INSIDE}, not '/etc/passwd'"),
        ("email_1/gone.html", {}, "refers to email_1/gone.html, which does not exist"),
    ],
)
def test_a_bad_file_reference_names_the_field(tmp_path: Path, reference: str, files: dict[str, str],
                                              problem: str) -> None:  # fmt: skip
    write(tmp_path, "wf", {"steps": [{"ref": "email_1", "type": "channel", "template": {
        "subject": "s", "html_body@": reference}}]}, files)  # fmt: skip
    with pytest.raises(WorkflowFileError) as caught:
        load_workflow(tmp_path / "wf")
    assert (caught.value.field, caught.value.problem) == ("steps[0].template.html_body@", problem)


def test_broken_json_in_a_referenced_file_names_that_file(tmp_path: Path) -> None:
    write(tmp_path, "wf", {"steps": [email_step(**{"visual_blocks@": "email_1/visual_blocks.json"})]},
          {"email_1/visual_blocks.json": "[{"})  # fmt: skip
    with pytest.raises(WorkflowFileError) as caught:
        load_workflow(tmp_path / "wf")
    assert caught.value.path == str(tmp_path / "wf" / "email_1" / "visual_blocks.json")
    assert caught.value.problem.startswith("is not valid JSON")


def test_the_same_file_referenced_twice_is_refused(tmp_path: Path) -> None:
    write(tmp_path, "wf", {"steps": [{"ref": "sms_1", "type": "channel", "template": {"text_body@": "t.txt"}},
                                     {"ref": "sms_2", "type": "channel", "template": {"text_body@": "./t.txt"}}]},
          {"t.txt": "hi"})  # fmt: skip
    with pytest.raises(WorkflowFileError, match=r"steps\[1\]\.template\.text_body@: t.txt is referenced twice"):
        load_workflow(tmp_path / "wf")


def test_a_workflow_key_must_be_lowercase_slug(tmp_path: Path) -> None:
    write(tmp_path, "New Comment", {"steps": []})
    with pytest.raises(WorkflowFileError, match="a workflow key must be lowercase letters, digits, - or _"):
        load_workflows(tmp_path)


def test_the_examples_load() -> None:
    workflows = load_workflows(EXAMPLES)
    assert sorted(workflows) == ["invoice-due", "new-comment", "order-shipped", "welcome"]
    types = {step.type for workflow in workflows.values() for step in workflow.walk()}
    assert types == {"channel", "delay", "batch", "branch", "throttle"}
    channels = {s.channel_type for w in workflows.values() for s in w.walk() if isinstance(s, ChannelStep)}
    assert channels == {"email", "sms", "push", "chat", "in_app_feed"}
