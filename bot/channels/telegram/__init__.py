"""The Telegram channel (python-telegram-bot v22): `app` builds and runs the Application and
registers every handler; `gate` and `inbox` run first; `handlers` turn updates into questions;
`replies`, `live` and `delivery` show the answers (`delivery` is the only module that sends);
`render` and `chunking` make Telegram HTML within Telegram's limits; `ratelimit` and `ordering`
keep the bot within flood limits and each chat in order."""
