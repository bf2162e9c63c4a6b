// Sends the payment form on its own; without JavaScript the button does it.
document.getElementById('pay').submit();
