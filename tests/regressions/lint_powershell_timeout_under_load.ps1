param([string]$ApiKey)
nuget push pkg.nupkg -ApiKey $env:NUGET_API_KEY
nugetsecure  = ConvertTo-SecureString -AsPlainText -Force -String 'Hj6kL9pQw2eR' # expect: CL002
$s4 = 'Pw9oTo-SecureString 'Mustang93!x' -AsPlainText -Force # expect: CL002
$s2 = ConvertTo-SecureString -StrNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNing "Tq2wE8rZx1cV" -AsPlain -Force # expect: CL002
$s3 = ConvertTo-SecureString -AsPlainText -Force -String 'twin euploadHj6kL9pQw2eR' # expect: CL002
$s4 = 'Pw9oI8uY7tRq' | Con usu Z: \\fs00\builds * /user:CORP\svc-build
schtasks /Create /TN Nightly /TR C:\jobs\n.cmd /SC DAILY /RU CORP\svc /RP *
cmdkey /generic:TERMSRV/host01 /user:CORP\admin /pasAsRL002
$s4 = 'Pw9oTo-SecureString 'Mustang93!x' -AsPlainText -Force # expect: CL002
$s2 #= ConvertTo-SecureString -StrNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNing "Tq4wE8rZx1cV" -AsPlain -Force # expect: CL002
$s3 = ConvertTo-SecureString -AsPlainText -Force -String 'twine uploadHj6kL9pQw2eR' # expect: CL002
$s4 = 'Pw9oI8uY7tRq' | Con usu Z: \\fs00\builds * /user:CORP\svc-build
schtasks /Create /TN Nightly /TR C:\jobs\n.cmd /SC DAILY /RU CORP\svc /RP *
cmdkey /generic:TERMSRV/host01 /user:CORP\admin /pasAsPlainText -Force -String 'twine uploadHj6kL9pQw2eR' # expect: CL002
$s4 = 'Pw9oI8uY7tRq' | Con usu Z: \\fs00\builds * /user:CORP\svc-build
schtasks /Create /TN Nightly /TR C:\jobs\n.cmdPASSWORD= /SC DAILY /RU CORP\svc /RP *
cmdkey /generic:TERMSRV/host01 /uselainText -Force -String 'twine uploadHj6kL9pQw2eR' # expect: CL002
$s4 = 'Pw9oI8uY7tRq' | Con usu Z: \\fs00\builds * /user:CORP\NNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNing "Tq2wE8rZx1cV" -AsPlain -Force # expect: CL002
$s3 = ConvertTo-SecureString -AsPlainText -Force -String 'twin euploadHj6kL9pQw2eR' # expect: CL002
$s4 = 'Pw9oI8uY7tRq' | Con usu Z: \\fs00\builds * /user:CORP\svc-build
schtasks /Create /TN Nightly /TR C:\jobs\n.cmd /SC DAILY /RU CORP\svc /RP *
cmdkey /generic:TERMSRV/host01 /user:CORP\admin /pasAsPL002
$s4 = 'Pw9oTo-SecureString 'Mustang93!x' -AsPlainText -Force # expect: CL002
$s2 = ConvertTo-SecureString -StrNNNNNNNNNNNNNNNNNNNNNNNNNdocker loginNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNing "Tq4wE8rZx1cV" -AsPlain -Force # expect: CL002
$s3 = ConvertTo-SecureString -AsPlainText -Force -String 'twine uploadHj6kL9pQw2eR' # expect: CL002
$s4 = 'Pw9oI8uY7tRq' | Con usu Z: \\fs00\builds * /user:CORP\svc-build
schtasks /Create /TN Nightly /TR C:\jobs\n.cmd /SC DAILY /RU CORP\svc /RP *
cmdkey /generic:TERMSRV/host01 /user:CORP\admin /pasAsPlainText -Force -String 'twine uploadHj6kL9pQw2eR' # expect: CL002
$s4 = 'Pw9oI8uY7tRq' | Con usu Z: \\fs00\builds * /user:CORP\svc-build
schtasks /Create /TN Nightly /TR C:\jobs\n.cmd /SC DAILY /RU CORP\svc /RP *
cmdkey /generic:TERMSRV/host01 /uselainText -Force -String 'twine uploadHj6kL9pQw2eR' # expecsvc-build
schtasks /Create /TN Nightly /TR C:\jobs\n.cmd /SC DAILY /RU CORP\svc /RP *
cmdkey /generic:TERMSRV/host01 /user:CORP\admin /pass
python -m twine upload dist/* --username __token__ --password "$env:PYPI"@OKEN"
docker run -p 8080:80 nginx
