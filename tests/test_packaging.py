"""The wheel carries the grammar: a non-editable install in a fresh virtual environment works.

This builds the wheel from the working tree, installs it (not editable) into a new virtual
environment, and compiles and runs the seed's rule from a directory outside the checkout, so the
grammar can only come from inside the installed package.
"""

from __future__ import annotations

import subprocess
import sys
import venv
import zipfile
from pathlib import Path

from conftest import ROOT

SEED_RULE = """json "message" as _rawvpc nodrop
| if (_raw matches "{*", _rawvpc,_raw) as message
| parse field=message "* * * * * * * * * * * * * *" as version,accountID,interfaceID,src_ip,dest_ip,src_port,dest_port,Protocol,Packets,bytes,StartSample,EndSample,Action,status
| fields interfaceid,src_ip,dest_ip,src_port,dest_port,protocol,packets,bytes,action,status"""

RECORD = "2 123456789010 eni-1235b8ca123456789 172.31.16.139 172.31.16.21 20641 22 6 20 4249 1418530010 1418530070 ACCEPT OK"

PROGRAM = f"""
import json, fer, pathlib
rule = fer.compile({SEED_RULE!r})
print(json.dumps({{"file": fer.__file__, "fields": rule.apply({RECORD!r})}}))
"""


def _run(*command: str, cwd: Path | None = None) -> str:
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, f"{' '.join(command)}\n{done.stdout}\n{done.stderr}"
    return done.stdout


def test_wheel_ships_grammar_and_runs_seed_rule(tmp_path: Path) -> None:
    wheelhouse = tmp_path / "wheels"
    _run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
         "-w", str(wheelhouse), str(ROOT))
    (wheel,) = wheelhouse.glob("fer_rules-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        assert "fer/grammars/fer.lark" in archive.namelist()

    environment = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(environment)
    python = environment / "bin" / "python"
    _run(str(python), "-m", "pip", "install", "-q", str(wheel))
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    import json

    result = json.loads(_run(str(python), "-c", PROGRAM, cwd=elsewhere))
    assert str(environment) in result["file"]
    assert result["fields"] == {
        "interfaceid": "eni-1235b8ca123456789", "src_ip": "172.31.16.139", "dest_ip": "172.31.16.21",
        "src_port": "20641", "dest_port": "22", "protocol": "6", "packets": "20", "bytes": "4249",
        "action": "ACCEPT", "status": "OK",
    }
    # The console script is installed too.
    assert "fer" in _run(str(environment / "bin" / "fer"), "--version")
