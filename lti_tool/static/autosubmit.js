/* Submit the first form on the page (deep linking return); the button remains for no-JS users. */
document.forms[0] && document.forms[0].submit();
