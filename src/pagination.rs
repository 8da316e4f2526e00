//! Pagination of lists: `page` (from 1) and `per_page` (default 50, at most 500) in, and
//! `{"items": [...], "page", "per_page", "total"}` out.
use crate::error::ErrorCode;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::error::{ApiError, FieldError};

/// `page` (from 1) and `per_page` (default 50, at most 500) of a list request.
#[derive(Debug, Clone, Copy, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Pagination {
    /// Page number, from 1 (at most 1,000,000).
    #[param(minimum = 1, maximum = 1000000, default = 1)]
    pub page: Option<u64>,
    /// Items per page, 1 to 500.
    #[param(minimum = 1, maximum = 500, default = 50)]
    pub per_page: Option<u64>,
}

pub const MAX_PER_PAGE: u64 = 500;
/// Keeps `(page - 1) * per_page` far from overflowing.
pub const MAX_PAGE: u64 = 1_000_000;
pub const DEFAULT_PER_PAGE: u64 = 50;

impl Pagination {
    /// Checked page and page size.
    pub fn resolve(&self) -> Result<PageRequest, ApiError> {
        let mut errors = Vec::new();
        let page = self.page.unwrap_or(1);
        let per_page = self.per_page.unwrap_or(DEFAULT_PER_PAGE);
        if !(1..=MAX_PAGE).contains(&page) {
            errors.push(FieldError::new(
                ErrorCode::OutOfRange,
                "page",
                format!("must be between 1 and {MAX_PAGE}"),
            ));
        }
        if !(1..=MAX_PER_PAGE).contains(&per_page) {
            errors.push(FieldError::new(
                ErrorCode::OutOfRange,
                "per_page",
                format!("must be between 1 and {MAX_PER_PAGE}"),
            ));
        }
        if errors.is_empty() {
            Ok(PageRequest { page, per_page })
        } else {
            Err(ApiError::Validation(errors))
        }
    }
}

/// A checked [`Pagination`]: `page` from 1, `per_page` within bounds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    pub page: u64,
    pub per_page: u64,
}

impl PageRequest {
    /// The rows before this page.
    pub fn offset(self) -> u64 {
        (self.page - 1) * self.per_page
    }

    /// This page of a list of `total` items.
    pub fn page_of<T>(self, items: Vec<T>, total: u64) -> Page<T> {
        Page {
            items,
            page: self.page,
            per_page: self.per_page,
            total,
        }
    }
}

/// A page of a list: `{"items": [...], "page", "per_page", "total"}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub page: u64,
    pub per_page: u64,
    pub total: u64,
}

impl<T> Page<T> {
    /// The same page with each item turned into its view.
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            page: self.page,
            per_page: self.per_page,
            total: self.total,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pagination_bounds() {
        let p = Pagination {
            page: Some(0),
            per_page: Some(501),
        };
        match p.resolve().unwrap_err() {
            ApiError::Validation(e) => assert_eq!(e.len(), 2),
            other => panic!("unexpected {other:?}"),
        }
        let p = Pagination {
            page: None,
            per_page: None,
        };
        let request = p.resolve().unwrap();
        assert_eq!(
            request,
            PageRequest {
                page: 1,
                per_page: 50
            }
        );
        let third = PageRequest {
            page: 3,
            per_page: 50,
        };
        assert_eq!(third.offset(), 100);
    }
}
