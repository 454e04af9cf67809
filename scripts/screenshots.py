"""Regenerate docs/screenshots/*.png: every UI page on the sample corpus, through headless Chromium.

    python scripts/screenshots.py [--data /tmp/kb-sample] [--out docs/screenshots] [--model hash-64]

Needs Debian's `chromium` and `chromium-driver` and the `selenium` package (no browser download).
The data directory is filled with the sample corpus first if it is empty, and a reading list is
drafted so the list page has something to show. --model builds an empty data directory with another
model, e.g. hash-64 (index/hashing.py) on machines without the default one (the ranking is then only
lexical); the app opens the knowledge base with the model it records.
tests/test_browser_ui.py imports the helpers below.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
BROWSER_FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
    "--lang=zh-CN",
)
SHOT_PRESET = "dangjian_zhongdian"  # the topic the search screenshot shows
SHOT_LIST = "党建工作中的重点 学习清单"
SHOT_YEAR = 2026


def browser_available() -> bool:
    return Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def running_app(data_dir: Path, *, timeout: float = 120) -> Iterator[str]:
    """`streamlit run app.py` on loopback for this data directory (本机模式); yields the base URL."""
    port = free_port()
    with _serving([sys.executable, "-m", "streamlit", "run", str(REPO / "app.py"), "--server.port", str(port),
                   "--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats",
                   "false", "--server.fileWatcherType", "none"], data_dir, port, timeout) as url:
        yield url


@contextmanager
def running_server(data_dir: Path, *, lan: bool = True, timeout: float = 120) -> Iterator[str]:
    """`kb serve [--lan]` on loopback for this data directory, as a person starts it; yields the base URL."""
    port = free_port()
    command = [sys.executable, "-m", "kb.cli", "--data", str(data_dir), "serve", "--host", "127.0.0.1",
               "--port", str(port), *(["--lan"] if lan else [])]
    with _serving(command, data_dir, port, timeout) as url:
        yield url


@contextmanager
def _serving(command: list[str], data_dir: Path, port: int, timeout: float) -> Iterator[str]:
    """Run a server command until its health check answers; yields the base URL; stops it after."""
    env = {**os.environ, "KB_DATA": str(data_dir), "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1",
           "PYTHONPATH": os.pathsep.join(p for p in (str(REPO), os.environ.get("PYTHONPATH", "")) if p)}
    log = tempfile.NamedTemporaryFile(prefix="kb-streamlit-", suffix=".log", delete=False)
    process = subprocess.Popen(command, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"streamlit exited: {Path(log.name).read_text(errors='replace')[-2000:]}")
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as reply:
                    if reply.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError(f"streamlit did not start within {timeout}s")
            time.sleep(0.3)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()
        Path(log.name).unlink(missing_ok=True)


@contextmanager
def browser(width: int = 1440, height: int = 1000) -> Iterator:
    """Headless Debian Chromium through its chromedriver, with a fresh profile."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="kb-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (*BROWSER_FLAGS, f"--user-data-dir={profile}", f"--window-size={width},{height}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def wait_for_text(driver, text: str, timeout: float = 90) -> None:
    """Until `text` is on the page and Streamlit has finished running the script."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        body = driver.find_element("tag name", "body").text
        running = driver.find_elements("css selector", '[data-testid="stStatusWidget"]')
        if text in body and not running:
            time.sleep(0.8)  # let the last deltas paint
            return
        time.sleep(0.3)
    raise TimeoutError(f"“{text}” did not appear; page shows: {driver.find_element('tag name', 'body').text[:500]}")


def click_text(driver, text: str, within: str = "") -> None:
    """Click the first button whose text contains `text` (optionally inside a CSS-selected block)."""
    scope = f"//*[@data-testid='{within}']" if within else ""
    button = driver.find_element("xpath", f"{scope}//button[contains(normalize-space(.), '{text}')]")
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", button)
    button.click()


def screenshot(driver, path: Path, max_height: int = 2600) -> Path:
    """Save the whole page (the main area scrolls inside Streamlit, so grow the window to fit it)."""
    height = driver.execute_script(
        "const m = document.querySelector('[data-testid=\"stMain\"]') || document.body;"
        "return Math.max(m.scrollHeight, document.body.scrollHeight);"
    )
    width = driver.get_window_size()["width"]
    driver.set_window_size(width, min(max(int(height) + 40, 900), max_height))
    time.sleep(0.6)
    path.parent.mkdir(parents=True, exist_ok=True)
    driver.save_screenshot(str(path))
    driver.set_window_size(width, 1000)
    return path


def search_preset(driver, base_url: str, preset_name: str) -> None:
    """Open the search page, click a preset topic, and wait for its results."""
    driver.get(base_url + "/")
    wait_for_text(driver, "五个问题领域")
    click_text(driver, preset_name, within="stButtonGroup")
    wait_for_text(driver, "篇相关文档")


# ---- the screenshots ----------------------------------------------------------------------------
def prepare(data_dir: Path, model: str | None) -> None:
    """Fill the data directory with the sample corpus (if empty) and draft the demo reading list."""
    sys.path.insert(0, str(REPO))
    from kb.library import KnowledgeBase
    from kb.presets import preset
    from kb.sample_kb import build_sample

    with KnowledgeBase(data_dir, model=model) as kb:
        if not kb.count_documents():
            print(build_sample(kb).summary())
        if SHOT_LIST not in kb.lists.names():
            lst = kb.lists.draft(SHOT_LIST, preset(SHOT_PRESET).query, k=6)
            kb.lists.annotate(SHOT_LIST, lst.items[0].id, "重点研读，会上交流体会")
        if SHOT_YEAR not in kb.plans.years():  # a drafted year plan: its month lists group on the lists page
            themes = [p.theme for p in kb.plans.propose_themes(SHOT_YEAR)]
            kb.plans.create(SHOT_YEAR, "深入学习贯彻党的创新理论，坚持问题导向", unit="中共清河县委理论学习中心组",
                            themes=themes, formats=kb.plans.proposed_formats())
            kb.plans.draft(SHOT_YEAR)
            time.sleep(1.1)  # lists are ordered by when they changed, to the second: the demo list last
            kb.lists.annotate(SHOT_LIST, kb.lists.get(SHOT_LIST).items[0].id, "重点研读，会上交流体会")  # shown first
        if not kb.sync.folders():
            prepare_sync(kb, Path(f"{data_dir}-同步示例"))


# Two notices of a fictional county committee for the 文件夹同步 page: synced, then one deleted from the folder.
SYNC_DEMO = {
    "县委办关于开展主题党日活动的通知.txt": """中共清河县委办公室
县委办〔2025〕12号
中共清河县委办公室关于开展2025年度主题党日活动的通知
各乡镇党委，县直各单位党组（党委）：
为推动党员教育管理常态化，经县委同意，现就开展2025年度主题党日活动通知如下。
一、活动内容
围绕学习贯彻党的创新理论，每月固定一天开展集中学习、组织生活和志愿服务。
二、工作要求
各级党组织要精心组织，做好记录，确保活动取得实效。
中共清河县委办公室
2025年2月20日
""",
    "县委关于加强基层党组织建设的意见.txt": """内部资料 注意保存
中共清河县委文件
清发〔2025〕3号
中共清河县委关于加强基层党组织建设的意见
各乡镇党委，县直各单位党组（党委）：
为深入贯彻新时代党的组织路线，推动基层党组织全面进步、全面过硬，提出如下意见。
一、总体要求
坚持大抓基层的鲜明导向，把基层党组织建设成为宣传党的主张、贯彻党的决定的坚强战斗堡垒。
二、重点任务
抓好支部标准化规范化建设，选优配强支部书记，严格党的组织生活。
中共清河县委
2025年3月5日
""",
}


def prepare_sync(kb, folder: Path) -> None:
    """A synced folder with two notices, one of which is then deleted: its document waits for a decision."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in SYNC_DEMO.items():
        (folder / name).write_text(text, encoding="utf-8")
    kb.sync.add(folder, every=600)
    kb.sync.run(folder)
    (folder / next(iter(SYNC_DEMO))).unlink()
    kb.sync.run(folder)


def take_sync(driver, base_url: str, out: Path) -> Path:
    driver.get(base_url + "/sync")
    wait_for_text(driver, "已不在文件夹中")
    return screenshot(driver, out / "09-sync.png")


def take_assessment(driver, base_url: str, out: Path) -> Path:
    """The 考核评价 page on the sample's 2025 archive (organisers; 本机模式 is the local administrator)."""
    driver.get(base_url + "/assessment")
    wait_for_text(driver, "未达标")
    return screenshot(driver, out / "10-assessment.png")


def take_all(base_url: str, out: Path) -> list[Path]:
    from kb.presets import preset

    saved = []
    with browser() as driver:
        search_preset(driver, base_url, preset(SHOT_PRESET).name)
        saved.append(screenshot(driver, out / "01-search.png"))
        driver.get(base_url + "/library")
        wait_for_text(driver, "打开文档")
        saved.append(screenshot(driver, out / "02-library.png"))
        click_text(driver, "学习活动时间线")
        wait_for_text(driver, "次集体学习")
        saved.append(screenshot(driver, out / "03-timeline.png"))
        driver.get(base_url + "/lists")
        wait_for_text(driver, "导出格式")
        saved.append(screenshot(driver, out / "04-lists.png"))
        driver.get(base_url + "/import")
        wait_for_text(driver, "选择文件")
        upload = driver.find_element("css selector", 'input[type="file"]')
        with tempfile.TemporaryDirectory() as tmp:
            bad = Path(tmp) / "2023年学习记录.doc"
            bad.write_bytes(b"\xd0\xcf\x11\xe0 old word file")
            sample = next((REPO / "kb" / "sample" / "corpus" / "readings").glob("*.md"))
            upload.send_keys(f"{sample}\n{bad}")
            wait_for_text(driver, bad.name)
            click_text(driver, "导入上传的文件")
            wait_for_text(driver, "导入结果")
        saved.append(screenshot(driver, out / "05-import.png"))
        driver.get(base_url + "/status")
        wait_for_text(driver, "检索引擎")
        saved.append(screenshot(driver, out / "06-status.png"))
        for path, title, name in (("/plan", "学习计划", "07-plan.png"), ("/archive", "学习档案", "08-archive.png")):
            driver.get(base_url + path)
            wait_for_text(driver, title)
            saved.append(screenshot(driver, out / name))
        saved.append(take_sync(driver, base_url, out))
        saved.append(take_assessment(driver, base_url, out))
    return saved


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("/tmp/kb-sample"), help="sample data directory")
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "screenshots")
    parser.add_argument("--model", help="model of a new data directory, e.g. hash-64 (default: the default model)")
    args = parser.parse_args(argv)
    if not browser_available():
        print(f"需要 {CHROMIUM} 和 {CHROMEDRIVER}：apt-get install -y chromium chromium-driver", file=sys.stderr)
        return 1
    prepare(args.data, args.model)
    with running_app(args.data) as url:
        for path in take_all(url, args.out):
            print(path.relative_to(REPO) if path.is_relative_to(REPO) else path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
