"""CSV uploads and tabular preprocessing: every parser branch, every refusal, train-only fitting.

All fixtures are built here as bytes; no data files are committed.
"""

import codecs
import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lepton_core.data.csv_reader import CsvFormat, CsvLimits, preview, read_csv, sniff_csv
from lepton_core.data.tabular_prep import (
    TabularPreprocessor,
    builtin_frame,
    infer_column_types,
    infer_task,
    prepare_tabular,
)
from lepton_core.errors import LabInputError

CLS, REG = "tabular-classification", "tabular-regression"


def csv_bytes(rows: list[list[object]], sep: str = ",", encoding: str = "utf-8") -> bytes:
    return "\n".join(sep.join(map(str, r)) for r in rows).encode(encoding) + b"\n"


def refused(data: bytes, *words: str, **kwargs) -> str:
    with pytest.raises(LabInputError) as e:
        read_csv(data, **kwargs)
    for word in words:
        assert word in str(e.value), str(e.value)
    return str(e.value)


def table(n: int = 60, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "x": rng.normal(10, 3, n),
            "colour": rng.choice(["red", "green", "blue"], n),
            "y": rng.choice(["yes", "no"], n),
        }
    )


# --- encodings ---------------------------------------------------------------------------


def test_utf8_is_read_with_types():
    df, fmt = read_csv(csv_bytes([["a", "b", "c"], [1, 2.5, "x"], [3, 4.5, "y"]]))
    assert fmt == CsvFormat("utf-8", ",", ".")
    assert df["a"].tolist() == [1, 3] and df["b"].tolist() == [2.5, 4.5]
    assert df["c"].tolist() == ["x", "y"]


def test_utf8_bom_is_removed_from_the_first_name():
    df, fmt = read_csv(codecs.BOM_UTF8 + csv_bytes([["name", "n"], ["a", 1]]))
    assert fmt.encoding == "utf-8-sig"
    assert list(df.columns) == ["name", "n"]


def test_gbk_chinese_headers():
    rows = [["姓名", "年龄", "城市"], ["张三", 30, "北京"], ["李四", 25, "上海"]]
    df, fmt = read_csv(csv_bytes(rows, encoding="gbk"))
    assert fmt.encoding == "gbk"
    assert list(df.columns) == ["姓名", "年龄", "城市"] and df["城市"].tolist() == ["北京", "上海"]


def test_latin1_accents_in_values():
    data = csv_bytes([["name", "city"], ["Renée", "Orléans"], ["José", "Málaga"]], "|", "latin-1")
    df, fmt = read_csv(data)
    assert fmt.encoding == "latin-1"
    assert df["name"].tolist() == ["Renée", "José"]


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-16-le"])
def test_utf16_is_refused_with_advice(encoding):
    data = "a,b\n1,2\n3,4\n".encode(encoding)
    assert "save it as UTF-8 CSV" in refused(data, "UTF-16")


@pytest.mark.parametrize(
    "data, words",
    [
        (bytes(range(256)) * 4, ["NUL", "binary"]),
        (b"a,b\n1,2\x00\x00\n", ["NUL"]),
        (bytes(range(1, 32)) * 20, ["does not look like text"]),
        (b"PK\x03\x04" + bytes(100), ["Excel"]),
    ],
)
def test_binary_garbage_named_csv_is_refused(data, words):
    refused(data, *words)


def test_manual_encoding_that_cannot_decode_says_so():
    data = "a,b\n张三,1\n".encode("gbk")
    refused(data, "not valid utf-8", fmt=CsvFormat("utf-8", ",", "."))


# --- delimiters, decimals, quoting ------------------------------------------------------


@pytest.mark.parametrize("sep", [",", ";", "\t", "|"])
def test_each_delimiter_is_detected(sep):
    rows = [["a", "b", "c"]] + [[i, i * 2, f"w{i}"] for i in range(5)]
    df, fmt = read_csv(csv_bytes(rows, sep))
    assert fmt.delimiter == sep
    assert df.shape == (5, 3) and df["b"].tolist() == [0, 2, 4, 6, 8]


def test_single_column_file():
    df, fmt = read_csv(b"value\n1\n2\n3\n")
    assert fmt.delimiter == ","
    assert list(df.columns) == ["value"] and df["value"].tolist() == [1, 2, 3]


def test_decimal_comma_with_semicolons():
    rows = [["height", "weight"], ["1,75", "70,5"], ["1,62", "55"], ["1,80", "81,25"]]
    df, fmt = read_csv(csv_bytes(rows, ";"))
    assert (fmt.delimiter, fmt.decimal) == (";", ",")
    assert df["height"].tolist() == [1.75, 1.62, 1.80] and df["weight"].tolist()[0] == 70.5


def test_manual_delimiter_override_beats_the_sniffer():
    data = b"a,b;c\n1,2;3\n4,5;6\n"
    assert sniff_csv(data).delimiter == ","
    df, fmt = read_csv(data, CsvFormat("utf-8", ";", "."))
    assert fmt.delimiter == ";" and list(df.columns) == ["a,b", "c"]
    assert df["c"].tolist() == [3, 6]


def test_quoted_fields_keep_delimiters_and_newlines():
    data = b'name,notes,n\n"Smith, J","a, b\nc",1\n"Lee; K",plain,2\n'
    df, fmt = read_csv(data)
    assert fmt.delimiter == ","
    assert df["name"].tolist() == ["Smith, J", "Lee; K"]
    assert df["notes"].tolist() == ["a, b\nc", "plain"]


def test_blank_and_repeated_column_names_are_renamed_with_a_note():
    df, _ = read_csv(b"a, a , ,b\n1,2,3,4\n")
    assert list(df.columns) == ["a", "a_2", "column_3", "b"]
    assert any("renamed" in n for n in df.attrs["notes"])


def test_rows_with_too_many_fields_are_skipped_with_a_note():
    df, _ = read_csv(b"a,b\n1,2\n3,4,5\n6,7\n")
    assert df["a"].tolist() == [1, 6]
    assert any("line 3" in n for n in df.attrs["notes"])


def test_infinite_numbers_become_missing_with_a_note():
    df, _ = read_csv(b"a,b\n1,inf\n2,3.5\n3,-inf\n")
    assert df["b"].isna().tolist() == [True, False, True]
    assert any("'b': 2 infinite" in n for n in df.attrs["notes"])


def test_preview_is_the_first_rows():
    df, _ = read_csv(csv_bytes([["n"]] + [[i] for i in range(30)]))
    assert preview(df, 5)["n"].tolist() == [0, 1, 2, 3, 4]


@pytest.mark.parametrize(
    "fmt",
    [CsvFormat("rot13", ",", "."), CsvFormat("utf-8", ";;", "."), CsvFormat("utf-8", ",", ",")],
)
def test_bad_manual_format_is_refused(fmt):
    refused(b"a,b\n1,2\n", fmt=fmt)


# --- empty, caps -----------------------------------------------------------------------


@pytest.mark.parametrize("data", [b"", b"  \n\n", codecs.BOM_UTF8])
def test_empty_file(data):
    refused(data, "the file is empty")


@pytest.mark.parametrize("data", [b"a,b,c\n", b"a,b,c\n,,\n\n"])
def test_header_without_rows(data):
    refused(data, "header but no rows")


def test_ten_thousand_columns_are_refused():
    data = csv_bytes([[f"c{i}" for i in range(10_000)], list(range(10_000))])
    refused(data, "10,000 columns", "2,000")


def test_row_cap_names_the_number():
    data = csv_bytes([["n"]] + [[i] for i in range(6)])
    refused(data, "more than 5 rows", limits=CsvLimits(max_rows=5))
    assert len(read_csv(data, limits=CsvLimits(max_rows=6))[0]) == 6


def test_byte_cap_is_checked_before_parsing():
    refused(b"a\n" + b"1\n" * 1000, "MB", limits=CsvLimits(max_bytes=100))


# --- never anything but a DataFrame or LabInputError ------------------------------------

CSVISH = st.text(alphabet=st.sampled_from(list('ab1.,;\t|"\n\r -é名\x00\x01e5')), max_size=300)


@settings(deadline=None, max_examples=200)
@given(
    st.one_of(
        st.binary(max_size=600), CSVISH.map(str.encode), st.text(max_size=300).map(str.encode)
    )
)
def test_arbitrary_bytes_give_a_frame_or_a_clear_error(data):
    try:
        df, fmt = read_csv(data, limits=CsvLimits(max_rows=50, max_columns=50))
    except LabInputError as e:
        assert str(e)
    else:
        assert isinstance(df, pd.DataFrame) and len(df) >= 1
        assert fmt.delimiter in ",;\t|"


# --- task and column kinds -------------------------------------------------------------


@pytest.mark.parametrize(
    "values, task",
    [
        (["cat", "dog"] * 20, CLS),
        ([True, False] * 20, CLS),
        (pd.Series(["a", "b"] * 20, dtype="category"), CLS),
        ([0, 1, 2] * 20, CLS),  # few integer levels
        (list(range(15)) * 40, CLS),  # 15 levels, under 5% of 600 rows
        (list(range(15)) * 4, REG),  # 15 levels in 60 rows: a count, not classes
        (list(range(25)) * 40, REG),  # more than 20 levels
        (np.linspace(0, 1, 40), REG),
        ([0.5, 1.5] * 20, REG),  # two levels but not integers
    ],
)
def test_infer_task(values, task):
    assert infer_task(pd.Series(values)) == task


def test_infer_column_types():
    n = 40
    df = pd.DataFrame(
        {
            "row": range(1, n + 1),
            "customer_id": np.random.default_rng(0).permutation(1000)[:n],
            "x": np.linspace(0, 1, n),
            "colour": ["red", "blue"] * (n // 2),
            "when": pd.date_range("2021-01-01", periods=n).strftime("%d/%m/%Y"),
            "name": [f"person {i}" for i in range(n)],
            "blank": np.nan,
            "same": "k",
            "year": range(1980, 1980 + n),
            "y": [0, 1] * (n // 2),
        }
    )
    assert infer_column_types(df, "y") == {
        "row": "id",
        "customer_id": "id",
        "x": "numeric",
        "colour": "categorical",
        "when": "date",
        "name": "id",
        "blank": "empty",
        "same": "constant",
        "year": "numeric",
    }


# --- bad tables ------------------------------------------------------------------------


def test_mixed_feature_column_becomes_missing_with_a_note():
    df = table()
    df["age"] = [str(20 + i) for i in range(60)]
    df.loc[7, "age"] = "unknown"
    td = prepare_tabular(df, "y")
    assert "age" in td.groups and "age=unknown" not in td.feature_names
    note = next(n for n in td.report.notes if "'age'" in n and "non-numeric" in n)
    assert "'unknown'" in note
    st_ = td.preprocessor.numeric["age"]
    imputed = td.preprocessor.transform(df.iloc[[7]])[0, td.groups["age"][0]]
    assert imputed == pytest.approx((st_["median"] - st_["mean"]) / st_["std"])


@pytest.mark.parametrize("task", [None, REG])
def test_mixed_regression_target_is_an_error(task):
    df = table()
    df["price"] = [f"{v:.2f}" for v in np.linspace(1, 100, 60)]
    df.loc[3, "price"] = "call us"
    with pytest.raises(LabInputError, match="'price'.*'call us'"):
        prepare_tabular(df.drop(columns="y"), "price", task)


def test_regression_on_text_target_is_an_error():
    with pytest.raises(LabInputError, match="regression needs a numeric target"):
        prepare_tabular(table(), "y", REG)


def test_single_value_target_is_an_error():
    df = table().assign(y="yes")
    with pytest.raises(LabInputError, match="single value"):
        prepare_tabular(df, "y")


def test_all_nan_target_is_an_error_and_all_nan_feature_is_dropped():
    df = table().assign(empty=np.nan)
    td = prepare_tabular(df, "y")
    assert "empty" not in td.groups
    assert any("'empty'" in n and "no values" in n for n in td.report.notes)
    with pytest.raises(LabInputError, match="target column 'empty' has no values"):
        prepare_tabular(df, "empty")


def test_missing_target_rows_are_dropped_and_counted():
    df = table()
    df.loc[[2, 9], "y"] = np.nan
    td = prepare_tabular(df, "y")
    assert sum(len(v) for v in td.y.values()) == 58
    assert td.report.skipped == [("2 rows (3, 10)", "no value in the target column 'y'")]
    assert sum(td.report.counts.values()) == 58


def test_unknown_target_lists_the_columns():
    with pytest.raises(LabInputError, match="'x', 'colour', 'y'"):
        prepare_tabular(table(), "label")


def test_too_few_rows():
    with pytest.raises(LabInputError, match="at least 10"):
        prepare_tabular(table(9), "y")


# --- preprocessing ---------------------------------------------------------------------


def test_id_column_is_dropped_and_date_is_expanded():
    df = table(80)
    df["record"] = range(80)
    df["signup"] = pd.date_range("2020-01-01", periods=80, freq="7D").strftime("%Y-%m-%d")
    td = prepare_tabular(df, "y")
    assert "record" not in td.groups
    assert any("dropped 'record'" in n and "ID" in n for n in td.report.notes)
    parts = [td.feature_names[i] for i in td.groups["signup"]]
    assert parts == ["signup.year", "signup.month", "signup.day_of_week", "signup.day_of_year"]
    assert any("date column 'signup' expanded" in n for n in td.report.notes)
    years = td.x["train"][:, td.groups["signup"][0]]
    assert abs(years.mean()) < 1e-5 and years.std() > 0.5  # standardised, not constant


def test_missing_values_are_imputed_with_an_indicator():
    df = table(100)
    df.loc[::5, "x"] = np.nan
    td = prepare_tabular(df, "y")
    pre = td.preprocessor
    assert [td.feature_names[i] for i in td.groups["x"]] == ["x", "x__missing"]
    raw = df.loc[pre.transform(df)[:, 1] == 1]
    assert raw["x"].isna().all() and len(raw) == 20
    x = pre.transform(df)
    st_ = pre.numeric["x"]
    assert np.allclose(x[::5, 0], (st_["median"] - st_["mean"]) / st_["std"])
    assert not np.isnan(np.concatenate(list(td.x.values()))).any()


def test_one_hot_cap_rare_levels_and_unseen_levels_become_other():
    rng = np.random.default_rng(1)
    df = pd.DataFrame(
        {
            "city": ["paris"] * 40
            + ["rome"] * 30
            + ["oslo"] * 20
            + [f"town{i}" for i in range(10)],
            "y": rng.choice(["a", "b"], 100),
        }
    )
    pre = TabularPreprocessor().fit(df, "y", CLS, max_levels=3)
    assert pre.feature_names == ["city=paris", "city=rome", "city=other"]
    x = pre.transform(pd.DataFrame({"city": ["rome", "oslo", "atlantis", None]}))
    assert x.tolist() == [[0, 1, 0], [0, 0, 1], [0, 0, 1], [0, 0, 1]]
    assert any("kept the 2 most frequent" in n for n in pre.notes)


def test_standardisation_is_fitted_on_the_train_split_only():
    df = table(200)
    df["x"] = np.arange(200.0) ** 2  # skewed, so a split's mean differs from the whole's
    td = prepare_tabular(df, "y", seed=3)
    col = {s: td.x[s][:, td.groups["x"][0]].astype(np.float64) for s in td.x}
    assert col["train"].mean() == pytest.approx(0, abs=1e-5)
    assert col["train"].std() == pytest.approx(1, abs=1e-4)
    assert abs(np.concatenate(list(col.values())).mean()) > 0.01  # 0 if fitted on every row
    st_ = td.preprocessor.numeric["x"]
    rows = np.rint(np.sqrt(col["train"] * st_["std"] + st_["mean"])).astype(int)  # x = row**2
    assert len(set(rows)) == len(rows) == len(td.y["train"])
    assert st_["mean"] == pytest.approx(df["x"].iloc[rows].mean())
    assert st_["mean"] != pytest.approx(df["x"].mean())


def test_json_round_trip_reproduces_the_transform():
    df = table(80)
    df.loc[::7, "x"] = np.nan
    df["when"] = pd.date_range("2022-03-01", periods=80).strftime("%d/%m/%Y")
    td = prepare_tabular(df, "y")
    text = json.dumps(td.preprocessor.to_dict())
    again = TabularPreprocessor.from_dict(json.loads(text))
    assert np.array_equal(again.transform(df), td.preprocessor.transform(df))
    assert again.feature_names == td.feature_names and again.classes == td.classes
    assert np.array_equal(again.encode_target(df["y"]), td.preprocessor.encode_target(df["y"]))


def test_transform_needs_the_training_columns():
    td = prepare_tabular(table(), "y")
    with pytest.raises(LabInputError, match="colour"):
        td.preprocessor.transform(table().drop(columns="colour"))


def test_regression_targets_keep_their_units_and_decode():
    df = table(100)
    df["price"] = df["x"] * 10 + 5
    td = prepare_tabular(df.drop(columns="y"), "price")
    pre = td.preprocessor
    assert td.task == REG and td.y["train"].dtype == np.float32 and td.report.counts == {}
    ys = np.concatenate(list(td.y.values()))
    assert sorted(ys) == pytest.approx(sorted(df["price"]), rel=1e-6)
    z = (td.y["val"] - pre.target_mean) / pre.target_std
    assert pre.decode_target(z) == pytest.approx(td.y["val"], rel=1e-5)


def test_classification_override_on_a_numeric_target():
    df = table().assign(score=np.tile(np.arange(30), 2) % 12)
    assert prepare_tabular(df.drop(columns="y"), "score").task == REG
    td = prepare_tabular(df.drop(columns="y"), "score", CLS)
    assert td.task == CLS and td.classes == sorted(str(i) for i in range(12))


def test_csv_bytes_to_training_arrays():
    rows = [["id", "temp", "city", "label"]]
    rows += [
        [i, f"{20 + i % 7},5", ["Köln", "Bonn"][i % 2], ["hot", "cold"][i % 3 == 0]]
        for i in range(40)
    ]
    df, fmt = read_csv(csv_bytes(rows, ";", "latin-1") + b";;;\n")
    td = prepare_tabular(df, "label", source="upload.csv")
    assert (fmt.encoding, fmt.delimiter, fmt.decimal) == ("latin-1", ";", ",")
    assert td.feature_names[0] == "temp" and td.feature_names[-1] == "city=other"
    assert set(td.feature_names[1:3]) == {"city=Bonn", "city=Köln"}
    assert any("row(s) with no values" in n for n in td.report.notes)
    assert td.report.counts == {"cold": 14, "hot": 26}
    assert all(td.x[s].dtype == np.float32 for s in td.x)


# --- built-ins -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, n, features, classes",
    [("breast-cancer", 569, 30, 2), ("wine", 178, 13, 3), ("diabetes", 442, 10, 0)],
)
def test_builtin_tables(name, n, features, classes):
    df, target = builtin_frame(name)
    assert df.shape == (n, features + 1) and target == "target"
    td = prepare_tabular(df, target, source=name)
    assert td.task == (CLS if classes else REG)
    assert len(td.classes) == classes
    assert sum(len(v) for v in td.y.values()) == n and td.x["train"].shape[1] == features
