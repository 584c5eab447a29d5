//! Arbitrary bytes as a command line: `Command::parse` never panics, and a
//! command it accepts formats (`to_string`) to a line that parses back to
//! the same command, under the strict and the lenient path options.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mxlab_proto::command::{Command, ParseOptions};
use mxlab_proto::path::PathOptions;

const OPTIONS: [ParseOptions; 2] = [
    ParseOptions {
        path: PathOptions {
            smtputf8: false,
            allow_unqualified: false,
            allow_missing_brackets: false,
        },
    },
    ParseOptions {
        path: PathOptions {
            smtputf8: true,
            allow_unqualified: true,
            allow_missing_brackets: true,
        },
    },
];

fuzz_target!(|data: &[u8]| {
    for opts in OPTIONS {
        let cmd = match Command::parse(data, opts) {
            Ok(cmd) => cmd,
            Err(e) => {
                // The reply for the error formats.
                let _ = e.reply().to_bytes();
                continue;
            }
        };
        let line = cmd.to_string();
        assert_eq!(
            Command::parse(line.as_bytes(), opts).as_ref(),
            Ok(&cmd),
            "{:?} parsed as {cmd:?}, formatted as {line:?}",
            String::from_utf8_lossy(data)
        );
        assert_eq!(cmd.to_line(), format!("{line}\r\n"));
    }
});
