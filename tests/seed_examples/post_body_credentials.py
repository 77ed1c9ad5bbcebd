import requests

url = ‘http://1.1.1.1:8001/api?’
data = {
“username”: “username”,
“password”: “password”,
“command”: “submit”,
“ani”: “ani”,
 “dnis”: “dnis”,
“message”: “test”
}
headers = {‘Content-Type’: ‘application/json’}

response = requests.post(url, json=data, headers=headers)
print (response.text)
