/* LTI Dynamic Registration: tell the platform we are done so it closes the registration window. */
(window.opener || window.parent).postMessage({ subject: "org.imsglobal.lti.close" }, "*");
