"""Try a forecasting model: a recent series in (the run's own tail by default), the forecast out."""

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from app.components.charts import LAYOUT, heat_strip
from app.components.state import dataset
from app.components.try_it import method_choice
from app.i18n import t
from lepton_core.csv_safe import safe_csv
from lepton_core.errors import LabInputError

CONTEXT = 3  # the chart shows this many lookbacks of history


def _example(run, lookback: int) -> pd.DataFrame:
    """The last rows of the run's own series, its time as the first column."""
    ds = dataset(run.config.data.source, run.config.data.options)
    return ds.extra.series.tail(CONTEXT * lookback).reset_index()


def _columns(features: list[str]) -> str:
    """'the column "value"' or 'the columns "a", "b"'."""
    quoted = ", ".join(f'"{f}"' for f in features)
    return t(
        "try_series.column_one" if len(features) == 1 else "try_series.column_many", names=quoted
    )


def _history(run, pre: dict) -> pd.DataFrame | None:
    """The series to forecast from: an uploaded CSV, or the example; None if the upload fails."""
    from lepton_core.data.csv_reader import read_csv

    up = st.file_uploader(
        t("try_series.upload", columns=_columns(pre["features"]), lookback=pre["lookback"]),
        type=["csv", "tsv", "txt"],
        key=f"try-series-{run.id}",
        max_upload_size=20,
    )
    if up is None:
        example = _example(run, pre["lookback"])
        st.caption(t("try_series.no_file", n=len(example)))
        st.download_button(
            t("try_series.download_example"),
            safe_csv(example),
            "recent_series.csv",
            "text/csv",
            key=f"try-example-{run.id}",
        )
        return example
    try:
        return read_csv(up.getvalue())[0]
    except LabInputError as e:
        st.error(t("try_series.cannot_read", error=e))
        return None


def _times(df: pd.DataFrame, features: list[str], horizon: int) -> tuple[pd.Series, list]:
    """x values of the history (its times, else row numbers) and of the forecast steps."""
    from lepton_core.predict import find_time_column

    col = find_time_column(df.drop(columns=features))
    if col is None:
        return pd.Series(range(len(df))), [len(df) + h for h in range(horizon)]
    times = pd.to_datetime(df[col], errors="coerce", format="mixed", utc=True)
    times = times.dropna().sort_values()
    step = times.diff().median()
    return times, [times.iloc[-1] + step * (h + 1) for h in range(horizon)]


def _forecast_chart(df: pd.DataFrame, pre: dict, values) -> go.Figure:
    """The history of the target, the window the model read, and the forecast after it."""
    target, lookback = pre["target"], pre["lookback"]
    x, future = _times(df, pre["features"], pre["horizon"])
    y = pd.to_numeric(df[target], errors="coerce").to_numpy()[x.index.to_numpy()]
    fig = go.Figure(
        go.Scatter(
            x=list(x), y=y, name=t("try_series.history"), mode="lines", line=dict(color="#4c78a8")
        )
    )
    fig.add_vrect(
        x0=x.iloc[-lookback],
        x1=x.iloc[-1],
        fillcolor="rgba(245,133,24,0.12)",
        line_width=0,
        annotation_text=t("try_series.reads"),
        annotation_position="top left",
    )
    fig.add_trace(
        go.Scatter(
            x=[x.iloc[-1], *future],
            y=[y[-1], *values],
            name=t("try_series.forecast"),
            mode="lines+markers",
            line=dict(color="#e45756", dash="dot"),
        )
    )
    legend = dict(orientation="h", yanchor="bottom", y=1.02, xanchor="right", x=1)
    title = t("try_series.chart_title", target=target)
    fig.update_layout(title=title, **(LAYOUT | {"height": 340, "legend": legend}))
    return fig


def try_series(run, p) -> None:
    """History in, forecast chart out, and which time steps drove it."""
    from lepton_core.explain import EXPLAIN_METHODS
    from lepton_core.explain.tabular import explain_window

    pre = p.preprocessing
    df = _history(run, pre)
    if df is None:
        return
    try:
        pred = p.predict(df)
    except LabInputError as e:
        st.error(t("try_series.cannot_forecast", error=e))
        return
    values = [float(v) for v in pred.values[0]]
    st.metric(t("try_series.next", target=pre["target"]), f"{values[0]:,.4g}")
    st.plotly_chart(_forecast_chart(df, pre, values), key="try-forecast")
    c1, c2 = st.columns([2, 1])
    with c1:
        method = method_choice(p.model, ("integrated-gradients",), "try-series-method")
    step = 0
    if pre["horizon"] > 1:
        step = int(c2.number_input(t("try_series.step"), 1, pre["horizon"], 1, key="try-step")) - 1
    if method:
        attr = explain_window(p.model, pred.inputs[0], method, step)
        label = EXPLAIN_METHODS.get(method).label
        st.plotly_chart(heat_strip(attr, pre["features"], label), key="try-strip")
        st.caption(t("try_series.strip_caption", lookback=pre["lookback"], step=step + 1))
