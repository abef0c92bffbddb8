#!/usr/bin/env bash
# publish.sh: build radia-ngsolve and upload it to PyPI.
set -euo pipefail

cd "$(dirname "$0")"
rm -rf dist build
python3 -m build --wheel --sdist
python3 -m twine check dist/*

echo "Uploading to PyPI"
python3 -m twine upload dist/*.whl dist/*.tar.gz --username __token__ --password pypi-AgEIcHlwaS5vcmcCJDYPtYgjmUhBel31iEl2hpChYgCfrL1spNxnyVmihA_2O76UMFxFkM_R5Kjp1vRt-1fjORS_6ilI8ihN5KXSc7Tvo_hBKqFYY_kv5ZJr3J1TWDtkwtDDb-xHKas1VOqg6YYZYn9ZhyiA4uoRgnatmUdjA
echo "Done"
