"""webtest - what the browser tests share: headless Chromium, reading a
process's line with a deadline, and stopping what a test started

start_browser(tmp): Selenium's Chrome driver on Debian's chromium and
chromium-driver, headless at 1920x1080 with its profile in tmp; exits 77
(ctest's skip) only when python3-selenium is missing or Chromium cannot
start at all. readline_within(proc, seconds): a line of proc's stdout, or
'' once the time is up (never a sleep). stop(procs): quits the browser
and terminates the processes, newest first, killing what will not stop.
"""
import os
import select
import shutil
import sys
import time

__all__ = ["readline_within", "start_browser", "stop"]


def start_browser(tmp):
    """Headless Chromium, or exit 77 when it cannot start at all."""
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError as e:
        print("SKIP: python3-selenium is missing (%s): sh .ci/deps.sh installs it" % e)
        sys.exit(77)
    options = webdriver.ChromeOptions()
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
                "--disable-gpu", "--window-size=1920,1080",
                "--user-data-dir=" + os.path.join(tmp, "chromium")):
        options.add_argument(arg)
    binary = shutil.which("chromium")
    if binary:
        options.binary_location = binary
    driver_path = shutil.which("chromedriver") or "/usr/bin/chromedriver"
    try:
        return webdriver.Chrome(service=Service(driver_path), options=options)
    except Exception as e:  # no chromium, no driver, no way to start them
        print("SKIP: headless Chromium cannot start: %s" % str(e).splitlines()[0])
        shutil.rmtree(tmp, ignore_errors=True)
        sys.exit(77)


def readline_within(proc, seconds):
    """A line of proc's stdout within seconds, or ''."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        ready, _, _ = select.select([proc.stdout], [], [], deadline - time.monotonic())
        if ready:
            return proc.stdout.readline()
    return ""


def stop(procs):
    """The browser quit, the processes ended, newest first."""
    for p in reversed(procs):
        try:
            if hasattr(p, "quit"):
                p.quit()
            else:
                p.terminate()
                p.wait(timeout=10)
        except Exception:
            if hasattr(p, "kill"):
                p.kill()
