$s3 =ConvertTo-SecureString -A -F 'Hjk Re'w
4 ='PuY7Rq' | ConvertTo-SecureString -A#