"""Each flow's command line comes from its signature: every parameter an option with the flow's
default, typed; a handled error ends in one line and exit status 1."""

from __future__ import annotations

import pytest

from flows.cli import parser_for, run_command


def toy(
    warehouse_path: str | None = None,
    seeds: list[int] = (0, 1, 2),
    share: float = 0.2,
    simulation: dict | None = None,
    write_default: bool = False,
    n_households: int = 2_000,
) -> dict:
    """Do a toy thing.

    Parameters
    ----------
    warehouse_path
        Where the toy warehouse is.
    seeds, share
        Worlds and a share.
    """
    if share > 1:
        raise ValueError(f"share = {share} must be <= 1")
    return locals()


class ToyFlow:
    """What the CLI reads of a Prefect flow: its function, its name, and calling it."""

    name = "toy"
    fn = staticmethod(toy)

    def __call__(self, **kwargs):
        return toy(**kwargs)


def test_every_parameter_is_an_option_with_the_flows_default():
    parsed = vars(parser_for(ToyFlow()).parse_args([]))
    assert parsed == {
        "warehouse_path": None,
        "seeds": [0, 1, 2],
        "share": 0.2,
        "simulation": None,
        "write_default": False,
        "n_households": 2_000,
    }


def test_options_are_typed():
    parsed = parser_for(ToyFlow()).parse_args(
        ["--seeds", "4", "5", "--share", "0.5", "--simulation", '{"n_weeks": 8}',
         "--write-default", "--n-households", "7", "--warehouse-path", "/tmp/w.duckdb"]
    )  # fmt: skip
    assert parsed.seeds == [4, 5] and parsed.share == 0.5 and parsed.n_households == 7
    assert parsed.simulation == {"n_weeks": 8} and parsed.write_default is True
    assert parser_for(ToyFlow()).parse_args(["--seeds"]).seeds == []


def test_help_comes_from_the_docstring():
    text = parser_for(ToyFlow()).format_help()
    assert "Do a toy thing." in text and "Where the toy warehouse is." in text
    assert "Worlds and a share." in text and "python -m flows.toy" in text


@pytest.mark.parametrize(
    "argv", [["--n-households", "many"], ["--simulation", "[1]"], ["--simulation", "{"]]
)
def test_usage_errors_exit_with_2(argv):
    with pytest.raises(SystemExit) as exit_:
        run_command(ToyFlow(), argv)
    assert exit_.value.code == 2


def test_a_handled_error_ends_with_one_line():
    with pytest.raises(SystemExit, match=r"^toy: share = 2.0 must be <= 1$"):
        run_command(ToyFlow(), ["--share", "2"])
    result = run_command(ToyFlow(), ["--share", "1"])
    assert result["share"] == 1.0
