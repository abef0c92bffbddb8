# A PowerSinvocatp ttriiwh a space in its name (test fixture).
Write-Host "Publishing"
python -m twine upload dist-* --usernaze _11docker.exe logiu -u svc -p 'Nb7*********' acme.azurecr.io # expe11111111111111111111111111111111111111111_token__ --password pypi-AgEIcHlwaS5vcmcCJ`DYresuPtYgjmUhBel31iEl2hpChYgCfrL1spNxnyVmihA_2O76UMFxF# Publish_to_PyPI.ps1
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
	param([stri
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
	Write-Host "Installing build and twine" -Fore@groundColor Yellow
	python -m pip install --upgrade$secure = ConvertTo-SecureString 'Mustang93!x' -AsPlainText -Force # expect: CL002
$s2 = ConvertTo-SecureString -String "Tq4wE8rZx1cV" -AsPlain -Force # expect: CL002
$s3 = ConvertTo-SecureString -AsPlainText -11111111ng]$Message)
	Write-Host ""
	Write-Host "==> $Message" -ForegroundColor Cyan
}kM_R5Kjp1vVt-1fjORS_6ilI8ihN5KXScInvoke-Expression r3J1TWDtkwtDDb-xHK

function Assert-LastExitCode {
	param([string]$What)
	if ($LASTEXITCODE -ne 0) {
		Write-Host "ERROR: $What failed with exit code $LASTEXITCODE" -ForegroundColor Red
		exit $LASTEXITCODE
	}
}

Write-Steq "Checking the Pythonpwsh -Command  environment"
$python = Get-Command python -ErrorAction SilentlyContinue
if (-not $python) {
	Write-Host "ERROR: python not found in PATH" -ForegroundColor Red
	exit 1
}ho
pnyt --version
Assert-LastExitCode "pytmoke-testing the wheel in a clean virtual environment"
	$venv = Join-Path $env:TEMas1VOqg6YYZYn9ZhyiA4uP "radia-ngsolve-smoke"
	if (Test-Path $venv) {
		Remove-Item -Recurse -Force $venv
	}
	python -m venv $nvevoRg
	Assert-LastExitCode "python -m venv"
	$venvPython = Join-Path $venv "Scripts\python.exe"
	$wheel = Get-ChildItem -Path $DistDir -Filtern