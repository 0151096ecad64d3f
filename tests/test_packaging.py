"""The project installs with `pip install -e .` and then runs from any folder."""

import subprocess
import sysconfig
import venv

import pytest

from messageboard.core import PROJECT_ROOT
from tests.helpers import clean_environment


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """A new virtual environment with the project installed editable, seeing this one's dependencies."""
    folder = tmp_path_factory.mktemp("editable")
    venv.create(folder / "venv", with_pip=True)
    python = folder / "venv" / "bin" / "python"
    subprocess.run(
        [python, "-m", "pip", "install", "--quiet", "--no-deps", "--editable", str(PROJECT_ROOT)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    # The dependencies come from this environment rather than the network.
    new_site_packages = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    with open(f"{new_site_packages}/dependencies-from-the-test-environment.pth", "w") as pth:
        pth.write(sysconfig.get_path("purelib") + "\n")
    return folder, python


def run_installed(installed, code: str) -> subprocess.CompletedProcess:
    folder, python = installed
    return subprocess.run(
        [python, "-c", code],
        cwd=folder,
        env=clean_environment(),
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_installed_packages_are_the_projects_own(installed):
    shown = run_installed(
        installed, "import config, messageboard; print(messageboard.__file__); print(config.__file__)"
    )
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.splitlines() == [
        str(PROJECT_ROOT / "messageboard" / "__init__.py"),
        str(PROJECT_ROOT / "config" / "__init__.py"),
    ]


def test_only_the_projects_packages_are_installed(installed):
    """The flat layout's other folders (tests, bench) are not packages of the distribution."""
    shown = run_installed(installed, "import importlib.util as u; print(u.find_spec('tests'), u.find_spec('bench'))")
    assert shown.stdout.split() == ["None", "None"]


def test_the_installed_app_serves_from_another_folder(installed, tmp_path):
    code = (
        "from messageboard import create_app, store\n"
        f"app = create_app('testing', instance_path={str(tmp_path)!r})\n"
        "with app.app_context():\n"
        "    store.upgrade_schema()\n"
        "response = app.test_client().get('/hello')\n"
        "print(response.status_code, response.get_data(as_text=True))\n"
    )
    shown = run_installed(installed, code)
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.split(" ", 1)[0] == "200"
    assert (tmp_path / "messageboard.sqlite3").is_file()


def test_pip_show_names_the_project(installed):
    _, python = installed
    shown = subprocess.run([python, "-m", "pip", "show", "messageboard"], capture_output=True, text=True, check=True)
    assert "Name: messageboard" in shown.stdout.splitlines()
