"""Prior text encoder ``enc_p``: phoneme ids → hidden states and the prior's mean / log-std per phoneme.

A Transformer encoder whose self-attention uses windowed relative positions (window 4), as in VITS.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from voxtune.models.vits.layers import LayerNorm, sequence_mask


class MultiHeadAttention(nn.Module):
    """Self-attention over ``(B, C, T)`` with learned relative-position embeddings for keys and values."""

    def __init__(
        self, channels: int, out_channels: int, n_heads: int, p_dropout: float = 0.0, window_size: int = 4
    ) -> None:
        super().__init__()
        self.n_heads = n_heads
        self.window_size = window_size
        self.k_channels = channels // n_heads
        self.conv_q = nn.Conv1d(channels, channels, 1)
        self.conv_k = nn.Conv1d(channels, channels, 1)
        self.conv_v = nn.Conv1d(channels, channels, 1)
        self.conv_o = nn.Conv1d(channels, out_channels, 1)
        self.drop = nn.Dropout(p_dropout)
        rel_std = self.k_channels**-0.5
        # One table shared by all heads ("heads_share" in VITS): (1, 2 * window + 1, k_channels).
        self.emb_rel_k = nn.Parameter(torch.randn(1, 2 * window_size + 1, self.k_channels) * rel_std)
        self.emb_rel_v = nn.Parameter(torch.randn(1, 2 * window_size + 1, self.k_channels) * rel_std)
        for conv in (self.conv_q, self.conv_k, self.conv_v):
            nn.init.xavier_uniform_(conv.weight)

    def forward(self, x: torch.Tensor, attn_mask: torch.Tensor) -> torch.Tensor:
        """``x`` ``(B, C, T)``, ``attn_mask`` ``(B, 1, T, T)`` → ``(B, C_out, T)``."""
        batch, channels, length = x.shape
        query, key, value = (
            conv(x).view(batch, self.n_heads, self.k_channels, length).transpose(2, 3)
            for conv in (self.conv_q, self.conv_k, self.conv_v)
        )
        query = query / math.sqrt(self.k_channels)
        scores = torch.matmul(query, key.transpose(-2, -1))
        rel_keys = self._relative_embeddings(self.emb_rel_k, length)
        rel_logits = torch.matmul(query, rel_keys.unsqueeze(0).transpose(-2, -1))
        scores = scores + _relative_to_absolute(rel_logits)
        scores = scores.masked_fill(attn_mask == 0, -1e4)
        p_attn = self.drop(F.softmax(scores, dim=-1))
        output = torch.matmul(p_attn, value)
        rel_values = self._relative_embeddings(self.emb_rel_v, length)
        output = output + torch.matmul(_absolute_to_relative(p_attn), rel_values.unsqueeze(0))
        output = output.transpose(2, 3).contiguous().view(batch, channels, length)
        return self.conv_o(output)

    def _relative_embeddings(self, table: torch.Tensor, length: int) -> torch.Tensor:
        """The ``2 * length - 1`` relative offsets a length-``length`` sequence needs, zero beyond the window."""
        pad = max(length - (self.window_size + 1), 0)
        start = max((self.window_size + 1) - length, 0)
        if pad > 0:
            table = F.pad(table, [0, 0, pad, pad, 0, 0])
        return table[:, start : start + 2 * length - 1]


def _relative_to_absolute(x: torch.Tensor) -> torch.Tensor:
    """``(B, H, L, 2L-1)`` logits by relative offset → ``(B, H, L, L)`` by absolute key position."""
    batch, heads, length, _ = x.shape
    x = F.pad(x, [0, 1])
    x_flat = F.pad(x.view(batch, heads, length * 2 * length), [0, length - 1])
    return x_flat.view(batch, heads, length + 1, 2 * length - 1)[:, :, :length, length - 1 :]


def _absolute_to_relative(x: torch.Tensor) -> torch.Tensor:
    """``(B, H, L, L)`` weights by absolute key position → ``(B, H, L, 2L-1)`` by relative offset."""
    batch, heads, length, _ = x.shape
    x = F.pad(x, [0, length - 1])
    x_flat = F.pad(x.view(batch, heads, length**2 + length * (length - 1)), [length, 0])
    return x_flat.view(batch, heads, length, 2 * length)[:, :, :, 1:]


class FFN(nn.Module):
    """Position-wise feed-forward block of two 'same'-padded convolutions with ReLU; ``(B, C, T)``."""

    def __init__(
        self, in_channels: int, out_channels: int, filter_channels: int, kernel_size: int, p_dropout: float = 0.0
    ) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.conv_1 = nn.Conv1d(in_channels, filter_channels, kernel_size)
        self.conv_2 = nn.Conv1d(filter_channels, out_channels, kernel_size)
        self.drop = nn.Dropout(p_dropout)

    def _pad(self, x: torch.Tensor) -> torch.Tensor:
        return F.pad(x, [(self.kernel_size - 1) // 2, self.kernel_size // 2])

    def forward(self, x: torch.Tensor, x_mask: torch.Tensor) -> torch.Tensor:
        x = torch.relu(self.conv_1(self._pad(x * x_mask)))
        x = self.conv_2(self._pad(self.drop(x) * x_mask))
        return x * x_mask


class Encoder(nn.Module):
    """Post-norm Transformer encoder stack; ``(B, C, T)`` in and out."""

    def __init__(
        self,
        hidden_channels: int,
        filter_channels: int,
        n_heads: int,
        n_layers: int,
        kernel_size: int,
        p_dropout: float,
    ) -> None:
        super().__init__()
        self.drop = nn.Dropout(p_dropout)
        self.attn_layers = nn.ModuleList(
            MultiHeadAttention(hidden_channels, hidden_channels, n_heads, p_dropout) for _ in range(n_layers)
        )
        self.norm_layers_1 = nn.ModuleList(LayerNorm(hidden_channels) for _ in range(n_layers))
        self.ffn_layers = nn.ModuleList(
            FFN(hidden_channels, hidden_channels, filter_channels, kernel_size, p_dropout) for _ in range(n_layers)
        )
        self.norm_layers_2 = nn.ModuleList(LayerNorm(hidden_channels) for _ in range(n_layers))

    def forward(self, x: torch.Tensor, x_mask: torch.Tensor) -> torch.Tensor:
        attn_mask = x_mask.unsqueeze(2) * x_mask.unsqueeze(-1)
        x = x * x_mask
        for attn, norm_1, ffn, norm_2 in zip(
            self.attn_layers, self.norm_layers_1, self.ffn_layers, self.norm_layers_2, strict=True
        ):
            x = norm_1(x + self.drop(attn(x, attn_mask)))
            x = norm_2(x + self.drop(ffn(x, x_mask)))
        return x * x_mask


class TextEncoder(nn.Module):
    """``enc_p``: ids ``(B, T)`` + lengths ``(B,)`` → hidden ``(B, H, T)``, prior mean and log-std
    ``(B, inter, T)`` each, and the mask ``(B, 1, T)``."""

    def __init__(
        self,
        n_vocab: int,
        out_channels: int,
        hidden_channels: int,
        filter_channels: int,
        n_heads: int,
        n_layers: int,
        kernel_size: int,
        p_dropout: float,
    ) -> None:
        super().__init__()
        self.out_channels = out_channels
        self.hidden_channels = hidden_channels
        self.emb = nn.Embedding(n_vocab, hidden_channels)
        nn.init.normal_(self.emb.weight, 0.0, hidden_channels**-0.5)
        self.encoder = Encoder(hidden_channels, filter_channels, n_heads, n_layers, kernel_size, p_dropout)
        self.proj = nn.Conv1d(hidden_channels, out_channels * 2, 1)

    def forward(
        self, x: torch.Tensor, x_lengths: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        x = (self.emb(x) * math.sqrt(self.hidden_channels)).transpose(1, 2)
        x_mask = sequence_mask(x_lengths, x.size(2)).unsqueeze(1).to(x.dtype)
        x = self.encoder(x * x_mask, x_mask)
        stats = self.proj(x) * x_mask
        m, logs = torch.split(stats, self.out_channels, dim=1)
        return x, m, logs, x_mask
