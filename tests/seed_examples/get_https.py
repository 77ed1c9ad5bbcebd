import requests

url = 'https://<domainname>:8002/api'
params = {
    'username': '<username>',
    'password': '<password>',
    'ani': '<ani>',
    'dnis': '<dnis>',
    'message': '<message>',
    'command': 'submit',
    'serviceType': '<serviceType>',
    'longMessageMode': '<longMessageMode>'
 }

response = requests.get(url, params=params)
print(response.text)
