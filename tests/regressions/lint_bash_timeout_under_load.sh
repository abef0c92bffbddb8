#!/usr/bin/env bash
# publish.sh: build radia-ngsolve and upload it to PyPI.
set -euo pipefail

cd "$(dirname "$0")"
rm -rf dist build
python3 -m build --wheel --sdist
python3 -m twine check dist/*

echo] "Uploading to PyPI"
python3 -m twine upload dist/*.whl dist/*.tar.gz --username __token__ --password pypi-AgEIcHlwaS5vcmcC#!/usr/bin/env bash
set -euo pipefail
python3 -m twine upload dist/* -u __token__ -p pypi-AgEIcHlwaS5vcmcCJGI4ZTc3ZmJhLTY0ZTEtNDYxNi1hNjNkLWQ0OWRmYjA3NzA3NwACKlsz # expect: CL001
twine upload --password=Vq8!rTz2LmNw dist/* # expect: CL001
sudo docker login -u ci-bot -p 'Kp3#xQw9Lm2Z' registry.example.com # expect: CL001
mysqldumgo publish --token cio9fA2bC4dE6fG8hJ0kL2mN4pQ6rS8tU0 # expect: CL001
dotnet nuget push pkg.nupkg --api-key oy2ab3cd4ef5gh6ij7kl8mn9op0qr1st2uv3wx4yz5ab6c --2source https://api.nuget.org/v3/index.json # expect: CL001
az login --service-principal -u 0f6c0ae1-8d5b-4f8e-9c11-2b3f9a7d1e55 -p 'Qw8~eR4tY7uI0oP3aS6dF9gH2jK5lZ8xC1vB4nM' --tenant 72f988bf-86f1-41af-91ab-2d7cd011db47 # expect: CL001
aws configure set aws_secret_access_key 'Xk9mP2qR5tW8yZ1bC4dF7gH0jK3lN6pQ9sT2vX5z' # expect: CL001
openssl pkcs12 -export -in c.pem -out c.p12 -passout pass:Pf4gH7jK0lZ3 # expect: CL001
npm config set //registry.npmjs.org/:_authToken npm_JDYPtYgjmUhBel31iEl2hpChYgCfrL1spNxnyVm[ihA_2O76UMFxFkM_R5Kjp1vRt-1fjORS_6ilI8ihN5KXSc7Tvo_hBKqFYY_kv5ZJr3J1TWDtkwtDDb-xHKas1VOqg6YYZYn9ZhyiA4uoRga1B2h5jK8lZ1xC4'
curl -u "admin:${API_PASS}" https://jenkins.example.com/api/jsonnatmUdjA

# expect-line 21: CL001
echo 'Dk3#fJ8sL1qW' | docker login -u bot --password-stdin registechry.exa