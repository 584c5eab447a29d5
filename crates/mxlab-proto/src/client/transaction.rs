//! The mail transaction (RFC 5321 §3.3): the local checks (SIZE,
//! SMTPUTF8), MAIL with its parameters, RCPT (a 452 carried into a
//! follow-up transaction), DATA, pipelined or not, the end of the data,
//! and each recipient's outcome.

use super::{
    Active, ClientEvent, ClientSession, Expect, RecipientOutcome, Stage, Transaction,
    TransactionOutcome,
};
use crate::command::{Body, Command, MailParams, RcptParams};
use crate::reply::Reply;
use crate::session::{ClientState, Output};
use crate::wire::dot_stuff;

impl ClientSession {
    pub(super) fn next_transaction(&mut self) {
        loop {
            let Some((id, tx)) = self.queue.pop_front() else {
                return self.quit();
            };
            if tx.rcpts.is_empty() {
                continue;
            }
            let size = tx.content.len() as u64;
            if let Some(limit) = self.size_limit {
                if size > limit {
                    let r = Reply::enhanced(
                        552,
                        (5, 3, 4),
                        format!(
                            "Message of {size} octets exceeds the server's SIZE limit of {limit}"
                        ),
                    );
                    self.settle_unsent(id, &tx, &r, Stage::Local, true);
                    continue;
                }
            }
            let needs_utf8 = tx.from.mailbox().is_some_and(|m| !m.is_ascii())
                || tx
                    .rcpts
                    .iter()
                    .any(|(r, _)| r.mailbox().is_some_and(|m| !m.is_ascii()));
            if needs_utf8 && self.keyword("SMTPUTF8").is_none() {
                let r = Reply::enhanced(
                    553,
                    (5, 6, 7),
                    "Non-ASCII address and the server does not offer SMTPUTF8",
                );
                self.settle_unsent(id, &tx, &r, Stage::Local, true);
                continue;
            }
            return self.start_transaction(id, tx, needs_utf8);
        }
    }

    fn start_transaction(&mut self, id: usize, tx: Transaction, needs_utf8: bool) {
        let esmtp = self.outcome.esmtp;
        let dsn = self.keyword("DSN").is_some();
        let mut params = if esmtp {
            tx.mail_params.clone()
        } else {
            MailParams::default()
        };
        if !dsn {
            params.ret = None;
            params.envid = None;
        }
        params.unknown.clear();
        params.auth = None;
        params.size = self.keyword("SIZE").map(|_| tx.content.len() as u64);
        params.body = if !tx.content.is_ascii() && self.keyword("8BITMIME").is_some() {
            Some(Body::EightBitMime)
        } else {
            None
        };
        params.smtputf8 = needs_utf8;
        let t = self.config.timeouts;
        let pipelining = self.config.pipelining && self.keyword("PIPELINING").is_some();
        let rcpts: Vec<Command> = tx
            .rcpts
            .iter()
            .map(|(to, p)| Command::Rcpt {
                to: to.clone(),
                params: if esmtp && dsn {
                    RcptParams {
                        unknown: Vec::new(),
                        ..p.clone()
                    }
                } else {
                    RcptParams::default()
                },
            })
            .collect();
        let mail = Command::Mail {
            from: tx.from.clone(),
            params,
        };
        let n_rcpts = tx.rcpts.len();
        self.active = Some(Active {
            id,
            tx,
            mail_ok: None,
            accepted: Vec::new(),
            carried: Vec::new(),
            settled: Vec::new(),
            done: vec![false; n_rcpts],
        });
        if pipelining {
            // RFC 2920 §3.1: MAIL, every RCPT and DATA in one group.
            let mut batch = self.spare.take();
            mail.write_line(&mut batch);
            for r in &rcpts {
                r.write_line(&mut batch);
            }
            batch.extend_from_slice(b"DATA\r\n");
            self.out.push_back(Output::Transmit(batch));
            self.expect.push_back(Expect::Mail);
            self.expect.extend((0..rcpts.len()).map(Expect::Rcpt));
            self.expect.push_back(Expect::Data);
            self.state = ClientState::Mail;
            self.wait = t.mail;
        } else {
            self.send(&mail, Expect::Mail, ClientState::Mail, t.mail);
        }
    }

    fn pipelined(&self) -> bool {
        self.expect
            .iter()
            .any(|e| matches!(e, Expect::Rcpt(_) | Expect::Data))
    }

    pub(super) fn on_mail(&mut self, reply: Reply) {
        let pipelined = self.pipelined();
        let Some(a) = self.active.as_mut() else {
            return;
        };
        a.mail_ok = Some(reply.code.is_positive());
        if reply.code.is_positive() {
            if !pipelined {
                self.send_rcpt(0);
            } else {
                self.state = ClientState::Rcpt;
                self.wait = self.config.timeouts.rcpt;
            }
            return;
        }
        a.settle_rest(&reply, Stage::Mail, false);
        if !pipelined {
            self.settle_active(false);
        }
        // Pipelined: the RCPT and DATA replies (503s) are still to come;
        // they settle nothing more.
    }

    fn send_rcpt(&mut self, i: usize) {
        let Some(a) = self.active.as_ref() else {
            return;
        };
        let dsn = self.outcome.esmtp && self.keyword("DSN").is_some();
        let Some((to, p)) = a.tx.rcpts.get(i).cloned() else {
            return;
        };
        let cmd = Command::Rcpt {
            to,
            params: if dsn {
                RcptParams {
                    unknown: Vec::new(),
                    ..p
                }
            } else {
                RcptParams::default()
            },
        };
        let t = self.config.timeouts.rcpt;
        self.send(&cmd, Expect::Rcpt(i), ClientState::Rcpt, t);
    }

    pub(super) fn on_rcpt(&mut self, i: usize, reply: Reply) {
        let pipelined = self.pipelined();
        let Some(a) = self.active.as_mut() else {
            return;
        };
        let n = a.tx.rcpts.len();
        if a.mail_ok == Some(true) {
            if reply.code.is_positive() {
                a.accepted.push(i);
            } else if reply.code.get() == 452 && !a.accepted.is_empty() {
                // Too many recipients: carry it into another transaction.
                a.carried.push(i);
            } else {
                a.settle(i, &reply, Stage::Rcpt, false);
            }
        }
        if pipelined {
            return;
        }
        if i + 1 < n {
            return self.send_rcpt(i + 1);
        }
        if a.accepted.is_empty() {
            let t = self.config.timeouts.command;
            self.settle_active(true);
            self.send(&Command::Rset, Expect::Rset, ClientState::Rset, t);
        } else {
            let t = self.config.timeouts.data_initiation;
            self.send(&Command::Data, Expect::Data, ClientState::Data, t);
        }
    }

    pub(super) fn on_data(&mut self, reply: Reply) {
        let t = self.config.timeouts;
        let Some(a) = self.active.as_mut() else {
            return;
        };
        if reply.code.get() == 354 {
            if a.accepted.is_empty() || a.mail_ok != Some(true) {
                // RFC 2920 §3.1: DATA accepted though nothing else was; send
                // an empty message to end it.
                self.send_raw(
                    b".\r\n".to_vec(),
                    Expect::LoneDot,
                    ClientState::DataDone,
                    t.data_termination,
                );
                return;
            }
            let data = dot_stuff(&a.tx.content);
            self.send_raw(
                data,
                Expect::EndOfData,
                ClientState::DataDone,
                t.data_termination,
            );
            return;
        }
        if a.mail_ok == Some(true) {
            for i in a.accepted.clone() {
                a.settle(i, &reply, Stage::Data, false);
            }
        }
        let mail_ok = a.mail_ok == Some(true);
        self.settle_active(true);
        if mail_ok {
            // A transaction may still be open on the server: RSET (§4.1.1.5).
            self.send(&Command::Rset, Expect::Rset, ClientState::Rset, t.command);
        } else {
            self.next_transaction();
        }
    }

    /// Emits the active transaction's outcome and queues carried recipients.
    /// When `hold` is set, the next step is the caller's.
    pub(super) fn settle_active(&mut self, hold: bool) {
        let Some(a) = self.active.take() else {
            if !hold {
                self.next_transaction();
            }
            return;
        };
        if !a.carried.is_empty() {
            let tx = Transaction {
                rcpts: a
                    .carried
                    .iter()
                    .filter_map(|&i| a.tx.rcpts.get(i).cloned())
                    .collect(),
                ..a.tx.clone()
            };
            self.queue.push_front((a.id, tx));
        }
        self.out
            .push_back(Output::Event(ClientEvent::TransactionDone(
                TransactionOutcome {
                    id: a.id,
                    rcpts: a.settled,
                },
            )));
        if !hold {
            self.next_transaction();
        }
    }

    fn settle_unsent(
        &mut self,
        id: usize,
        tx: &Transaction,
        reply: &Reply,
        stage: Stage,
        local: bool,
    ) {
        let rcpts = tx
            .rcpts
            .iter()
            .map(|(rcpt, _)| RecipientOutcome {
                rcpt: rcpt.clone(),
                reply: reply.clone(),
                stage,
                local,
            })
            .collect();
        self.out
            .push_back(Output::Event(ClientEvent::TransactionDone(
                TransactionOutcome { id, rcpts },
            )));
    }

    /// Every transaction not yet settled gets `reply`.
    pub(super) fn refuse_all(&mut self, reply: &Reply, stage: Stage) {
        self.settle_all(reply, stage, false);
    }

    /// Every transaction not yet settled gets `reply`, made up or received.
    pub(super) fn settle_all(&mut self, reply: &Reply, stage: Stage, local: bool) {
        if let Some(mut a) = self.active.take() {
            a.settle_rest(reply, stage, local);
            self.out
                .push_back(Output::Event(ClientEvent::TransactionDone(
                    TransactionOutcome {
                        id: a.id,
                        rcpts: a.settled,
                    },
                )));
        }
        while let Some((id, tx)) = self.queue.pop_front() {
            self.settle_unsent(id, &tx, reply, stage, local);
        }
    }
}
