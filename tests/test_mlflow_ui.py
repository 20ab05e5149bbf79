"""A real browser on the MLflow UI: the candidate runs and their metric columns are there to compare.

Starts ``mlflow ui`` on 127.0.0.1 over the candidates' SQLite store and opens the experiment's
runs table in headless Debian Chromium (kept off the network).  Skipped only where Chromium or
chromedriver is missing; ``.ci/run`` installs both.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import CandidateStore

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
CHROME_FLAGS = (
    "--headless=new",
    "--no-sandbox",  # runs as root in CI
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-extensions",
    "--window-size=4000,1000",  # wide enough that the grid renders every metric column
)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_healthy(url: str, server: subprocess.Popen[bytes], timeout: float = 180.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"mlflow ui exited with code {server.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(1)
    raise TimeoutError(f"mlflow ui did not answer {url}/health within {timeout:.0f} s")


@pytest.fixture()
def mlflow_ui(candidate_store: CandidateStore, tmp_path: Path) -> Iterator[str]:
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log = (tmp_path / "mlflow-ui.log").open("wb")
    command = [sys.executable, "-m", "mlflow", "ui", "--backend-store-uri", candidate_store.uri]
    command += ["--host", "127.0.0.1", "--port", str(port), "--workers", "1"]
    server = subprocess.Popen(command, cwd=tmp_path, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        _wait_healthy(url, server)
        yield url
    finally:
        # The server and the workers it started (its own process group), nothing else.  Its
        # job-queue consumers ignore SIGTERM, so the group gets SIGKILL after a grace period.
        os.killpg(server.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            server.wait(timeout=10)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, signal.SIGKILL)
        server.wait()
        log.close()


@pytest.mark.slow
def test_experiment_page_shows_both_runs_and_metric_columns(
    candidate_store: CandidateStore, mlflow_ui: str, tmp_path: Path
) -> None:
    if not (CHROMIUM.is_file() and CHROMEDRIVER.is_file()):
        pytest.skip(f"needs {CHROMIUM} and {CHROMEDRIVER}: apt-get install chromium chromium-driver")
    webdriver = pytest.importorskip("selenium.webdriver")
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (*CHROME_FLAGS, f"--user-data-dir={tmp_path / 'chromium'}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    try:
        # MLflow 3 opens experiments in its GenAI view; the runs table is the "machine learning" one.
        driver.get(f"{mlflow_ui}/#/experiments/{candidate_store.experiment_id}/runs?workflowType=machine_learning")
        wait = WebDriverWait(driver, 120)
        for name, run_id in candidate_store.runs.items():  # each run's name, linking to that very run
            link = f"//a[contains(@href, '/runs/{run_id}')][normalize-space()='{name}']"
            wait.until(ec.presence_of_element_located((By.XPATH, link)))
        # Metric columns are hidden until chosen: tick the whole "Metrics (n)" group in the Columns menu.
        wait.until(ec.element_to_be_clickable((By.XPATH, "//button[normalize-space()='Columns']"))).click()
        group = "//*[starts-with(normalize-space(text()), 'Metrics (')]"
        wait.until(ec.element_to_be_clickable((By.XPATH, group))).click()
        driver.find_element(By.TAG_NAME, "body").send_keys(Keys.ESCAPE)
        header = "//*[@role='columnheader'][normalize-space()='{}']"
        for metric in ("cv_synthetic_main_f1", "cv_block_body_f1", "inference_pages_per_s"):
            wait.until(ec.presence_of_element_located((By.XPATH, header.format(metric))))
        rows = [r.text for r in driver.find_elements(By.CSS_SELECTOR, "[role=row]")]
    finally:
        driver.save_screenshot(str(tmp_path / "mlflow-experiment.png"))  # also shows what a failure looked like
        driver.quit()
    assert (tmp_path / "mlflow-experiment.png").stat().st_size > 10_000
    for name in candidate_store.runs:
        assert any(name in row for row in rows), f"no row for run {name!r} in {rows}"
