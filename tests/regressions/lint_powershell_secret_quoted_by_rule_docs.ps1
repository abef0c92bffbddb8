$s3 = ConvertTo-SecureString  Get-Secret -Name svc -AsPlainText) -AsPlainText -Force
