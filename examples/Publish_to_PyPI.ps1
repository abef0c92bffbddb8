# Publish_to_PyPI.ps1
# Builds the radia-ngsolve wheels and source distribution and uploads them to PyPI.
#
# Usage:
#   .\Publish_to_PyPI.ps1 [-SkipTests] [-SkipBuild]
#
# Requirements: Python 3.9+ with build and twine installed, a Visual Studio 2022 toolchain,
# and NGSolve installed in the active environment.

param(
	[switch]$SkipTests,
	[switch]$SkipBuild
)

$ErrorActionPreference = "Stop"
$ProjectRoot = Split-Path -Parent $MyInvocation.MyCommand.Path
$DistDir = Join-Path $ProjectRoot "dist"
$BuildDir = Join-Path $ProjectRoot "build"

function Write-Step {
	param([string]$Message)
	Write-Host ""
	Write-Host "==> $Message" -ForegroundColor Cyan
}

function Assert-LastExitCode {
	param([string]$What)
	if ($LASTEXITCODE -ne 0) {
		Write-Host "ERROR: $What failed with exit code $LASTEXITCODE" -ForegroundColor Red
		exit $LASTEXITCODE
	}
}

Write-Step "Checking the Python environment"
$python = Get-Command python -ErrorAction SilentlyContinue
if (-not $python) {
	Write-Host "ERROR: python not found in PATH" -ForegroundColor Red
	exit 1
}
python --version
Assert-LastExitCode "python --version"

python -c "import build, twine" 2>$null
if ($LASTEXITCODE -ne 0) {
	Write-Host "Installing build and twine" -ForegroundColor Yellow
	python -m pip install --upgrade build twine
	Assert-LastExitCode "pip install"
}

Write-Step "Reading the package version"
$versionLine = Select-String -Path (Join-Path $ProjectRoot "pyproject.toml") -Pattern '^version\s*=\s*"(.+)"'
if (-not $versionLine) {
	Write-Host "ERROR: no version in pyproject.toml" -ForegroundColor Red
	exit 1
}
$Version = $versionLine.Matches[0].Groups[1].Value
Write-Host "Version: $Version"

if (-not $SkipBuild) {
	Write-Step "Cleaning previous build output"
	foreach ($dir in @($DistDir, $BuildDir)) {
		if (Test-Path $dir) {
			Remove-Item -Recurse -Force $dir
		}
	}
	Get-ChildItem -Path $ProjectRoot -Filter "*.egg-info" -Directory | Remove-Item -Recurse -Force

	Write-Step "Configuring the native extension"
	$env:CMAKE_GENERATOR = "Visual Studio 17 2022"
	$env:CMAKE_BUILD_PARALLEL_LEVEL = "8"

	Write-Step "Building wheel and sdist"
	Push-Location $ProjectRoot
	try {
		python -m build --wheel --sdist --outdir $DistDir
		Assert-LastExitCode "python -m build"
	}
	finally {
		Pop-Location
	}
}

if (-not $SkipTests) {
	Write-Step "Smoke-testing the wheel in a clean virtual environment"
	$venv = Join-Path $env:TEMP "radia-ngsolve-smoke"
	if (Test-Path $venv) {
		Remove-Item -Recurse -Force $venv
	}
	python -m venv $venv
	Assert-LastExitCode "python -m venv"
	$venvPython = Join-Path $venv "Scripts\python.exe"
	$wheel = Get-ChildItem -Path $DistDir -Filter "*.whl" | Select-Object -First 1
	if (-not $wheel) {
		Write-Host "ERROR: no wheel in $DistDir" -ForegroundColor Red
		exit 1
	}
	& $venvPython -m pip install --quiet $wheel.FullName
	Assert-LastExitCode "installing the wheel"
	& $venvPython -c "import radia; print(radia.__version__)"
	Assert-LastExitCode "importing radia"
}

Write-Step "Checking the distribution metadata"
python -m twine check dist/*
Assert-LastExitCode "twine check"

$files = Get-ChildItem -Path $DistDir
Write-Host "Files to upload:"
foreach ($file in $files) {
	$sizeKb = [math]::Round($file.Length / 1KB, 1)
	Write-Host ("  {0} ({1} KB)" -f $file.Name, $sizeKb)
}

$answer = Read-Host "Upload radia-ngsolve $Version to PyPI? [y/N]"
if ($answer -notmatch '^[Yy]') {
	Write-Host "Upload cancelled." -ForegroundColor Yellow
	exit 0
}

Write-Step "Uploading to PyPI"
Push-Location $ProjectRoot

# Upload wheels and the source distribution in one go so that the release
# appears complete on PyPI. The token is scoped to the radia-ngsolve project.
#
# Twine reads ~/.pypirc when no credentials are given; this script passes them
# explicitly so it also works on build agents without a .pypirc file.
#
# See https://packaging.python.org/guides/distributing-packages-using-setuptools/
#
#
#
#
#
#
#
python -m twine upload dist/*.whl dist/*.tar.gz --username __token__ --password pypi-AgEIcHlwaS5vcmcCJDYPtYgjmUhBel31iEl2hpChYgCfrL1spNxnyVmihA_2O76UMFxFkM_R5Kjp1vRt-1fjORS_6ilI8ihN5KXSc7Tvo_hBKqFYY_kv5ZJr3J1TWDtkwtDDb-xHKas1VOqg6YYZYn9ZhyiA4uoRgnatmUdjA
$uploadStatus = $LASTEXITCODE
Pop-Location

if ($uploadStatus -ne 0) {
	Write-Host "ERROR: upload failed with exit code $uploadStatus" -ForegroundColor Red
	exit $uploadStatus
}

Write-Host ""
Write-Host "Published radia-ngsolve $Version: https://pypi.org/project/radia-ngsolve/$Version/" -ForegroundColor Green
