"""Every operation of Knock's spec is either called by a knockkit function or listed as an
alias/deprecated operation in the api map, and every function the map names exists."""

from __future__ import annotations

from tests.contract import harness


def test_every_mapped_function_exists() -> None:
    missing = []
    for name in harness.mapped_functions():
        fn, why = harness.resolve_function(name)
        if fn is None:
            missing.append(f"knockkit.{name}: {why}")
    canonical = harness.canonical_rows()
    present = sum(1 for row in canonical if harness.resolve_function(row.function)[0] is not None)
    figure = f"knockkit covers {present} of {len(canonical)} canonical operations"
    harness.SUMMARY["coverage"] = figure
    print(figure)
    assert not missing, f"{figure}; missing functions:\n" + "\n".join(missing)
    assert present == len(canonical) == 98, figure


def test_every_non_deprecated_operation_is_in_the_map() -> None:
    mapped = {row.operation for row in harness.api_map() if not row.helper}
    unlisted = [
        f"{method} {path} ({op.get('operationId')})"
        for (method, path), op in harness.operations().items()
        if not op.get("deprecated") and (method, path) not in mapped
    ]
    assert not unlisted, "operations of the spec that api-map.tsv does not list:\n" + "\n".join(unlisted)


def test_the_map_lists_only_operations_of_the_spec() -> None:
    spec_ops = harness.operations()
    rows = [row for row in harness.api_map() if not row.helper]
    unknown = [f"{row.method} {row.path}" for row in rows if row.operation not in spec_ops]
    assert not unknown, "api-map.tsv rows with no operation in the spec:\n" + "\n".join(unknown)


def test_canonical_rows_are_live_operations_each_listed_once() -> None:
    canonical = harness.canonical_rows()
    ops = harness.operations()
    deprecated = [f"{row.method} {row.path}" for row in canonical if ops[row.operation].get("deprecated")]
    assert not deprecated, f"canonical rows that the spec marks deprecated: {deprecated}"
    operations = [row.operation for row in canonical]
    assert len(operations) == len(set(operations)), "an operation is mapped twice"
    functions = [row.function for row in canonical]
    assert len(functions) == len(set(functions)), "a function is mapped to two operations"


def test_aliases_and_deprecated_rows_explain_themselves() -> None:
    ops = harness.operations()
    for row in harness.api_map():
        if row.function == "-":
            assert row.note, f"{row.method} {row.path} is not called but the map gives no reason"
            alias = row.note.startswith(("legacy-alias:", "duplicate-alias:"))
            assert alias or ops[row.operation].get("deprecated"), (
                f"{row.method} {row.path} is neither deprecated in the spec nor marked as an alias"
            )


def test_counts() -> None:
    rows = harness.api_map()
    assert len(harness.operations()) == 118
    assert sum(1 for row in rows if not row.helper) == 118
    assert len(harness.canonical_rows()) == 98
